package exporters

import (
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// batch is one snapshot on its way to one exporter.
type batch struct {
	snap      metrics.Snapshot
	points    int // what the exporter counts it as: PointCounter.Points, or one per series
	delivered int // points already counted as exported (see Partial); guarded by worker.mu
	tries     int // Export calls so far; only the worker touches it
	// spooled marks a batch read back from the spool: it is counted whole
	// (a PartialError's count is ignored), when it leaves the spool.
	spooled bool
	// For a spooled batch, only the worker touches these: its failed
	// exports that followed another export's success (see
	// maxReplayStrikes), and when its last export failed.
	strikes  int
	failedAt time.Time
}

// undelivered returns how many of b's points are not counted as exported.
func (b *batch) undelivered() int { return b.points - b.delivered }

// queue holds the batches waiting for one exporter, oldest first: a ring of
// fixed size that pushes out its oldest batch when full. The batch being
// exported stays at the head, so that it too can be pushed out; the worker
// notices when the export returns (the head is then another batch).
//
// queue is not safe for concurrent use; the worker's mutex guards it.
type queue struct {
	ring  []*batch
	start int // index of the head
	n     int // batches queued
}

func newQueue(size int) queue { return queue{ring: make([]*batch, size)} }

// size returns how many batches the queue holds when full.
func (q *queue) size() int { return len(q.ring) }

// len returns the number of batches queued.
func (q *queue) len() int { return q.n }

// head returns the oldest batch, or nil when the queue is empty.
func (q *queue) head() *batch {
	if q.n == 0 {
		return nil
	}
	return q.ring[q.start]
}

// push appends b. When the queue is full it first removes the oldest batch
// and returns it.
func (q *queue) push(b *batch) (evicted *batch) {
	if q.n == len(q.ring) {
		evicted = q.pop()
	}
	q.ring[(q.start+q.n)%len(q.ring)] = b
	q.n++
	return evicted
}

// pop removes and returns the oldest batch, or nil when the queue is empty.
func (q *queue) pop() *batch {
	if q.n == 0 {
		return nil
	}
	b := q.ring[q.start]
	q.ring[q.start] = nil // let the snapshot be collected
	q.start = (q.start + 1) % len(q.ring)
	q.n--
	return b
}
