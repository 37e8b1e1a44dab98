package metrics

// Snapshot ends the interval like IntervalReader.EndInterval, whether or
// not a reader is open.
//
// Deprecated: use an IntervalReader (NewIntervalReader, EndInterval) to end
// intervals, or Peek to look. Kept only while the callers move.
func (r *Registry) Snapshot() Snapshot {
	r.snapMu.Lock()
	defer r.snapMu.Unlock()
	return r.readLocked(true)
}
