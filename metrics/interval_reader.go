package metrics

import "errors"

// ErrReaderOpen is returned by NewIntervalReader when the registry already
// has an open IntervalReader.
var ErrReaderOpen = errors.New("metrics: the registry already has an open IntervalReader; " +
	"give its holder (one Reporter) every exporter, or Close it first")

// IntervalReader ends a registry's intervals: each EndInterval reads every
// series and starts a new interval, so that histograms and timers export
// the values recorded since the previous EndInterval. A registry has at
// most one open IntervalReader, because two would each see only part of
// every interval; the exporters' Reporter holds it. To look at a registry
// without disturbing its intervals, use Registry.Peek.
//
// An IntervalReader is safe for concurrent use, but its snapshots mean most
// to one consumer that calls EndInterval at regular times.
type IntervalReader struct {
	reg *Registry
}

// NewIntervalReader returns an IntervalReader for r, or ErrReaderOpen if r
// has one that is not closed yet.
func (r *Registry) NewIntervalReader() (*IntervalReader, error) {
	r.snapMu.Lock()
	defer r.snapMu.Unlock()
	if r.reader != nil {
		return nil, ErrReaderOpen
	}
	ir := &IntervalReader{reg: r}
	r.reader = ir
	return ir, nil
}

// EndInterval reads every series and starts a new interval: histograms and
// timers export the values recorded since the previous EndInterval, and
// series idle for longer than WithIdleExpiry are left out. The snapshot's
// Seq is one more than that of the registry's previous EndInterval, by this
// reader or an earlier one, starting at 1.
//
// After Close it reads nothing and returns the zero Snapshot (Seq 0).
func (ir *IntervalReader) EndInterval() Snapshot { return ir.reg.read(ir) }

// Close releases the registry, so that another IntervalReader may be
// opened. Calling it again does nothing.
func (ir *IntervalReader) Close() {
	r := ir.reg
	r.snapMu.Lock()
	defer r.snapMu.Unlock()
	if r.reader == ir {
		r.reader = nil
	}
}
