package exporters

// spillPending spools, oldest first, the batches pushed out of the full
// queue and, after a failed export, every batch queued, so that an outage
// keeps nothing but the snapshot of the current tick in memory, and a
// process killed during one loses at most that. A batch that cannot be
// written is dropped if it had left the queue (as it would be without a
// spool); one still queued stays there, and the rest of the queue with it.
func (w *worker) spillPending() {
	if w.spool == nil {
		return
	}
	for {
		b, fromQueue := w.nextSpill()
		if b == nil {
			return
		}
		reason := "the queue is full"
		if fromQueue {
			reason = "exports fail"
		}
		err := w.spool.append(b, reason)
		w.mu.Lock()
		w.spilling = nil
		switch {
		case err == nil && fromQueue && w.q.head() == b:
			w.q.pop()
		case err != nil && (!fromQueue || w.q.head() != b):
			w.self.dropped.Inc(int64(b.undelivered()))
		}
		w.mu.Unlock()
		if err != nil && fromQueue {
			return // the queue keeps the rest; run retries from memory
		}
	}
}

// nextSpill returns the next batch to spool and marks it as being spooled:
// the oldest of w.spill, else, after a failed export, the head of the
// queue (fromQueue). It returns nil when there is none, or once Shutdown
// has closed the queue. Without a usable spool it counts w.spill as
// dropped.
func (w *worker) nextSpill() (b *batch, fromQueue bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.closed:
		return nil, false
	case !w.spool.usable():
		for i, b := range w.spill {
			w.self.dropped.Inc(int64(b.undelivered()))
			w.spill[i] = nil
		}
		w.spill = w.spill[:0]
		return nil, false
	case len(w.spill) > 0:
		b = w.spill[0]
		w.spill[0] = nil
		w.spill = w.spill[1:]
	case w.lastFailed && w.q.len() > 0:
		b, fromQueue = w.q.head(), true
	default:
		return nil, false
	}
	w.spilling = b
	return b, fromQueue
}

// replayNext reports whether the next export offers the spool's oldest
// record rather than the head of the queue: when the queue is empty, and
// every other time otherwise, so that a long replay neither starves fresh
// snapshots nor is starved by them.
func (w *worker) replayNext() bool {
	if !w.spool.usable() || w.spool.records.Load() == 0 {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.q.len() == 0 || w.replayTurn
}
