package exporters

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// maxReplayStrikes is how many failed exports of one spooled record, each
// after an export that the backend took since the record's previous
// failure, make the worker drop the record (counted, and logged with its
// time). A record that the backend keeps failing while it takes the rest
// (a snapshot too large to send within Config.Timeout, say) would
// otherwise be retried for ever, and everything spooled after it would
// wait; a failure while the backend takes nothing (an outage) is no
// strike, so an outage drops nothing.
const maxReplayStrikes = 5

// worker delivers one exporter's queue, from one goroutine (run). The
// ticking goroutine only appends to the queue (enqueue) under mu, which is
// never held across a call to the exporter, so a stuck backend cannot stall
// the ticks, the other exporters or the application.
//
// Every point is counted exactly once, as exported, rejected or dropped:
// a batch is counted when its Export returns, or when it leaves the queue
// without being exported. A batch pushed out of the full queue while it is
// being exported is counted when that Export returns: exported if it
// succeeded, dropped if it failed.
//
// With a spool, a batch that would be dropped is spooled instead (see
// spill.go), and is counted when it leaves the spool: exported or rejected
// when its replay returns, dropped if the spool removes it (its cap, a
// corrupt record). A batch on disk is counted by the process that replays
// it, so a restart neither loses nor counts it twice.
type worker struct {
	name       string
	exp        Exporter
	counter    PointCounter // nil when exp does not implement it
	timeout    time.Duration
	minBackoff time.Duration
	maxBackoff time.Duration
	log        *slog.Logger // tagged with the exporter's name
	self       selfMetrics
	spoolDir   string   // Config.SpoolDir; "" without a spool
	spoolMax   int64    // Config.SpoolMaxBytes, with its default
	spool      *spooler // set by Start when spoolDir is; nil otherwise

	ready chan struct{} // holds a token when a batch was queued
	done  chan struct{} // closed when run returns

	mu       sync.Mutex // guards the fields below
	q        queue
	inflight *batch // being exported from the queue; nil between exports
	spilling *batch // being written to the spool by run; nil otherwise
	// spill holds the batches pushed out of the full queue, and the one
	// whose export failed, oldest first, for run to spool. Only with a
	// usable spool; at most the queue's size.
	spill []*batch
	// closing holds what stop is spooling at Shutdown, oldest first, each
	// batch until its write begins (see close).
	closing     []*batch
	lastFailed  bool  // the last export failed transiently: run spools the whole queue
	replayTurn  bool  // the next export offers the spool's oldest record, if any
	closed      bool  // the queue was emptied for good; later results are not counted
	finished    bool  // run has set err
	abandoned   bool  // Shutdown stopped waiting for run
	err         error // what Shutdown reports for this exporter
	started     time.Time
	lastSuccess time.Time
	lastError   string
	lastErrorAt time.Time
	// failingSince is when the first of the current run of failed exports
	// ended; zero while exports succeed.
	failingSince time.Time
	errLog       throttle // export errors, rejections and panics
	dropLog      throttle // full-queue drops
}

func newWorker(name string, exp Exporter, s settings, now time.Time) *worker {
	w := &worker{
		name:       name,
		exp:        exp,
		timeout:    s.timeout,
		minBackoff: s.minBackoff,
		maxBackoff: s.maxBackoff,
		log:        s.logger.With(tagExporter, name),
		ready:      make(chan struct{}, 1),
		done:       make(chan struct{}),
		q:          newQueue(s.queueSize),
		started:    now,
		spoolDir:   s.spoolDir,
		spoolMax:   s.spoolMaxBytes,
	}
	w.counter, _ = exp.(PointCounter)
	return w
}

// enqueue hands snap to the worker. It never waits for the exporter.
func (w *worker) enqueue(snap metrics.Snapshot) {
	b := &batch{snap: snap, points: w.count(snap)}
	now := time.Now()
	w.mu.Lock()
	if w.closed { // cannot happen: Shutdown enqueues its last snapshot before it closes
		w.mu.Unlock()
		return
	}
	old := w.q.push(b)
	if old == w.inflight || old == w.spilling { // counted when Export or the spool returns
		old = nil
	}
	if old != nil && w.spool.usable() { // run spools it
		w.spill = append(w.spill, old)
		old = nil
		if len(w.spill) > w.q.size() { // the disk does not keep up
			old = w.spill[0]
			w.spill[0] = nil
			w.spill = w.spill[1:]
		}
	}
	var log bool
	var occurrences int
	if old != nil {
		w.self.dropped.Inc(int64(old.undelivered()))
		log, occurrences = w.dropLog.allow("queue full", now)
	}
	w.mu.Unlock()

	select {
	case w.ready <- struct{}{}:
	default: // the worker has a token already
	}
	if log {
		w.log.Warn("exporters: queue full; dropped the oldest snapshot",
			append(repeats(occurrences), "points", old.undelivered(), "queue_size", w.q.size())...)
	}
}

// count returns how many points snap makes for this exporter.
func (w *worker) count(snap metrics.Snapshot) (n int) {
	if w.counter == nil {
		return len(snap.Series)
	}
	defer func() {
		if p := recover(); p != nil {
			n = len(snap.Series)
			w.logError(fmt.Sprintf("exporters: PointCounter.Points panicked: %v", p),
				"exporters: PointCounter.Points panicked; counting one point per series", "panic", p)
		}
	}()
	return max(w.counter.Points(snap), 0)
}

// run exports the head of the queue until Shutdown: after a transient error
// it waits (backoff) and offers the head again. With a spool, it first
// spools what left the queue and, after a failed export, the queue itself;
// it then offers the spool's oldest record and the queue's head in turns
// (see begin). A spool directory that another process held is tried
// again between exports (see spooler.retryOpen), until Shutdown. Once
// Shutdown has closed r.drain it returns when the queue is empty or when
// r.ctx ends, then shuts the exporter down.
func (w *worker) run(r *Reporter) {
	defer close(w.done)
	drain := r.drain
	draining := false
	failures := 0 // in a row, for the backoff
	for r.ctx.Err() == nil {
		if !draining {
			w.spool.retryOpen()
		}
		w.spillPending()
		b := w.begin(draining)
		if b == nil {
			if draining {
				break
			}
			select {
			case <-w.ready:
			case <-drain:
				draining, drain = true, nil
			case <-r.ctx.Done():
			}
			continue
		}
		start := time.Now()
		err := w.export(r.ctx, b)
		if !w.finish(r.ctx, b, err, time.Since(start)) {
			failures = 0
			continue
		}
		failures++
		if !w.pause(r, backoff(w.minBackoff, w.maxBackoff, failures), &draining, &drain) {
			break
		}
	}
	w.stop(r.shutdownCtx)
}

// pause waits d after a failed export. It returns false when r.ctx ends.
// With a spool it spools what is queued meanwhile, and returns early when
// Shutdown starts draining and the queue is empty: what the worker was
// retrying is on disk, for the next process.
func (w *worker) pause(r *Reporter, d time.Duration, draining *bool, drain *chan struct{}) bool {
	if !w.spool.usable() {
		return sleep(r.ctx, d)
	}
	if r.ctx.Err() != nil {
		return false // Shutdown's deadline: stop spools the queue
	}
	w.spillPending()
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			return true
		case <-r.ctx.Done():
			return false
		case <-w.ready:
			w.spillPending()
		case <-*drain:
			*draining, *drain = true, nil
		}
		if *draining && w.queued() == 0 {
			return true
		}
	}
}

// begin returns the batch to export next, or nil when there is none: the
// spool's oldest record or the head of the queue, which it marks as being
// exported. The two take turns while both hold batches (see replayNext);
// while Shutdown drains the queue, the spool waits for the next process.
func (w *worker) begin(draining bool) *batch {
	if !draining && w.replayNext() {
		if b := w.spool.peek(); b != nil {
			if b.tries > 0 {
				w.self.retries.Inc(1)
			}
			b.tries++
			return b
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.q.head()
	w.inflight = b
	if b != nil {
		if b.tries > 0 {
			w.self.retries.Inc(1)
		}
		b.tries++
	}
	return b
}

// export calls Export with the attempt's timeout, turning a panic into an
// error.
func (w *worker) export(ctx context.Context, b *batch) (err error) {
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = &panicError{call: "Export", value: p, stack: debug.Stack()}
		}
	}()
	return w.exp.Export(ctx, b.snap)
}

// finish counts the outcome of exporting b and removes b from the queue
// unless it is to be offered again. It reports whether the export failed
// transiently, so that the worker backs off. Errors are logged, except
// after Shutdown canceled ctx: Shutdown returns those.
func (w *worker) finish(ctx context.Context, b *batch, err error, took time.Duration) (failed bool) {
	discard := false // b is a spooled record that failed too often: the spool drops it
	counted := true  // false for a spooled batch left in the spool: the next process counts it
	if b.spooled && (err == nil || errors.Is(err, ErrRejected)) {
		counted = w.spool.pop(b)
	}
	now := time.Now()
	w.mu.Lock()
	if !b.spooled {
		w.inflight = nil
		if w.closed { // Shutdown gave up waiting for this export and counted b
			w.mu.Unlock()
			return false
		}
	}
	queued := !b.spooled && w.q.head() == b // false if a newer snapshot pushed b out meanwhile
	points := b.undelivered()               // to count now
	if !counted {
		points = 0
	}
	rejected := 0
	recovered := time.Duration(-1) // set when this export ends a run of failures: how long it lasted
	switch {
	case err == nil:
		w.self.exported.Inc(int64(points))
		w.self.flush.Update(took)
		if !w.failingSince.IsZero() {
			recovered, w.failingSince = now.Sub(w.failingSince), time.Time{}
		}
		w.lastSuccess = now
	case errors.Is(err, ErrRejected):
		if rejectedPoints(err, b.undelivered()) < b.undelivered() {
			w.lastSuccess = now // the backend took the rest
		}
		rejected = rejectedPoints(err, points)
		w.self.rejected.Inc(int64(rejected))
		w.self.exported.Inc(int64(points - rejected))
	default:
		failed = true
		if w.failingSince.IsZero() {
			w.failingSince = now
		}
		if pe, ok := errors.AsType[*PartialError](err); ok && !b.spooled {
			if n := min(pe.Delivered, b.points); n > b.delivered {
				w.self.exported.Inc(int64(n - b.delivered))
				b.delivered = n
			}
		}
		switch {
		case b.spooled:
			// Offered again, after the queue's head (replayTurn), unless
			// it failed too often while other exports succeeded.
			if w.lastSuccess.After(b.failedAt) {
				b.strikes++
			}
			b.failedAt = now
			discard = b.strikes >= maxReplayStrikes
		case queued:
			// Offered again; with a spool, run first spools the queue,
			// b included (lastFailed), and b is then offered from there.
		case w.spool.usable(): // pushed out meanwhile: spooled by run, before what it pushed out
			w.spill = append([]*batch{b}, w.spill...)
		default:
			w.self.dropped.Inc(int64(b.undelivered()))
		}
	}
	if queued && !failed {
		w.q.pop()
	}
	// A failed replay leaves the queue in memory and gives its head the
	// next turn, so that a spooled record the backend keeps failing does
	// not hold fresh snapshots back; a failed export of the queue's head
	// has run spool the queue.
	w.lastFailed = failed && !b.spooled
	w.replayTurn = !b.spooled
	var log bool
	var occurrences int
	if err != nil {
		w.lastError, w.lastErrorAt = err.Error(), now
		if ctx.Err() == nil {
			log, occurrences = w.errLog.allow(w.lastError, now)
		}
	}
	w.mu.Unlock()

	if discard {
		w.spool.discard(b, err)
	}
	if recovered >= 0 {
		w.log.Info("exporters: the backend accepts exports again", "failed_for", recovered.Round(time.Millisecond),
			"attempt", b.tries)
	}
	if !log {
		return failed
	}
	attrs := append(repeats(occurrences), "error", err)
	var pe *panicError
	switch {
	case errors.Is(err, ErrRejected):
		w.log.Error("exporters: the backend rejected points; they are not retried", append(attrs, "points", rejected)...)
	case errors.As(err, &pe):
		w.log.Error("exporters: Export panicked; will retry", append(attrs, "stack", string(pe.stack))...)
	default:
		w.log.Warn("exporters: export failed; will retry", append(attrs, "attempt", b.tries)...)
	}
	return failed
}

// rejectedPoints returns how many of a snapshot's total points err says the
// backend refused.
func rejectedPoints(err error, total int) int {
	if re, ok := errors.AsType[*RejectedError](err); ok && re.Points >= 0 {
		return min(re.Points, total)
	}
	return total
}

// stop ends the worker: it counts what is still queued as dropped, shuts
// the exporter down and records the result for Shutdown.
func (w *worker) stop(ctx context.Context) {
	var errs []error
	if err := w.close(ctx); err != nil {
		errs = append(errs, err)
	}
	if w.spool != nil {
		if err := w.spool.close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := w.shutdownExporter(ctx); err != nil {
		errs = append(errs, fmt.Errorf("exporters: %s: Shutdown: %w", w.name, err))
	}
	err := errors.Join(errs...)
	w.mu.Lock()
	abandoned := w.abandoned
	w.err, w.finished = err, true
	w.mu.Unlock()
	if abandoned && err != nil { // Shutdown has returned: log what it could not report
		w.log.Error("exporters: exporter returned after Shutdown gave up on it", "error", err)
	}
}

// close empties the queue for good, from the worker's goroutine. With a
// usable spool, what it held is spooled for the next process; otherwise,
// or if a write fails, it is counted as dropped, and close returns an
// error saying so (nil when nothing was dropped). A batch being exported
// counts too: its result will be ignored. The batches wait in w.closing
// until their turn to be written, so that Shutdown, if it gives up on this
// goroutine during the writes (a stuck disk), counts those not begun as
// dropped (see result): every point is counted once, on disk or dropped,
// when Shutdown returns, except the one batch being written.
func (w *worker) close(ctx context.Context) error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closing = w.takeLocked()
	last := w.lastError
	w.mu.Unlock()

	var spooled, spooledPoints, batches, points int
	for {
		w.mu.Lock()
		if len(w.closing) == 0 { // done, or Shutdown counted the rest
			w.mu.Unlock()
			break
		}
		b := w.closing[0]
		w.closing[0] = nil
		w.closing = w.closing[1:]
		w.mu.Unlock()
		if w.spool.usable() && w.spool.append(b, "Shutdown's deadline passed") == nil {
			spooled++
			spooledPoints += b.undelivered()
			continue
		}
		batches++
		points += b.undelivered()
		w.self.dropped.Inc(int64(b.undelivered()))
	}
	if spooled > 0 {
		w.log.Warn("exporters: Shutdown's deadline passed; spooled what was not delivered, for the next process",
			"dir", w.spool.dir, "snapshots", spooled, "points", spooledPoints)
	}
	return w.droppedError(ctx, batches, points, last)
}

// takeLocked marks the queue closed and returns what it held, oldest
// first, with the batches pushed out of it and not yet spooled. Called with
// w.mu held.
func (w *worker) takeLocked() []*batch {
	w.closed = true
	var left []*batch // oldest first
	if b := w.inflight; b != nil && b != w.q.head() {
		left = append(left, b)
	}
	left = append(left, w.spill...)
	w.spill = nil
	for b := w.q.pop(); b != nil; b = w.q.pop() {
		if b != w.spilling { // run counts that one
			left = append(left, b)
		}
	}
	return left
}

// droppedError returns the error saying that Shutdown's deadline dropped
// points in batches, or nil when it dropped none.
func (w *worker) droppedError(ctx context.Context, batches, points int, last string) error {
	if batches == 0 {
		return nil
	}
	if last == "" {
		last = "none"
	}
	return fmt.Errorf("exporters: %s: %d points in %d snapshots not delivered when Shutdown's context ended (last error: %s): %w",
		w.name, points, batches, last, context.Cause(ctx))
}

// shutdownExporter calls the exporter's Shutdown, turning a panic into an
// error.
func (w *worker) shutdownExporter(ctx context.Context) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &panicError{call: "Shutdown", value: p, stack: debug.Stack()}
		}
	}()
	return w.exp.Shutdown(ctx)
}

// result returns what Shutdown reports for this worker. If run has not
// returned, Shutdown gives up on it: its queue, and what stop has not begun
// to spool of it, are counted as dropped now, without touching the disk
// (which may be what is stuck), and whatever the goroutine does later is
// only logged.
func (w *worker) result(ctx context.Context) error {
	w.mu.Lock()
	if w.finished {
		defer w.mu.Unlock()
		return w.err
	}
	w.abandoned = true
	var left []*batch
	if !w.closed {
		left = w.takeLocked()
	}
	left = append(left, w.closing...)
	w.closing = nil
	last := w.lastError
	points := 0
	for _, b := range left {
		points += b.undelivered()
	}
	w.self.dropped.Inc(int64(points))
	w.mu.Unlock()
	err := fmt.Errorf("exporters: %s: Export or Shutdown did not return within %v after Shutdown's context ended; its goroutine is left behind: %w",
		w.name, abandonAfter, context.Cause(ctx))
	return errors.Join(err, w.droppedError(ctx, len(left), points, last))
}

// logError logs msg through the error throttle, keyed by key.
func (w *worker) logError(key, msg string, attrs ...any) {
	w.mu.Lock()
	log, occurrences := w.errLog.allow(key, time.Now())
	w.mu.Unlock()
	if log {
		w.log.Error(msg, append(repeats(occurrences), attrs...)...)
	}
}

// repeats returns the log attribute counting a repeated message.
func repeats(occurrences int) []any {
	if occurrences > 1 {
		return []any{"occurrences", occurrences}
	}
	return nil
}

// backoff returns the wait after the given number of transient failures in
// a row: uniform in [0, min(ceiling, base·2^(failures-1))), "full jitter".
func backoff(base, ceiling time.Duration, failures int) time.Duration {
	d := ceiling
	if shift := failures - 1; shift < 63 && base <= ceiling>>shift {
		d = base << shift
	}
	return rand.N(d)
}

// sleep waits for d, or returns false as soon as ctx ends.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// panicError is a panic in an exporter's method, recovered.
type panicError struct {
	call  string // "Export" or "Shutdown"
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("%s panicked: %v", e.call, e.value) }
