package exporters

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// abandonAfter is how long Shutdown still waits, once its context has
// ended, for the exporters to return from the calls it cancelled. Only an
// exporter that ignores its context takes that long; Shutdown then leaves
// its goroutine behind rather than hang the service's exit.
const abandonAfter = 500 * time.Millisecond

// Reporter exports a registry: at every wall-clock multiple of the interval
// it ends the registry's interval, and queues the Snapshot for each
// exporter, and one goroutine per exporter delivers that exporter's queue.
// Create it with Start and stop it with Shutdown.
type Reporter struct {
	reg     *metrics.Registry
	reader  *metrics.IntervalReader // the registry's, held until Shutdown returns
	workers []*worker               // sorted by name

	ctx     context.Context // the workers' context; canceled once Shutdown's context ends
	cancel  context.CancelCauseFunc
	stop    chan struct{} // closed by Shutdown: stop ticking
	ticking chan struct{} // closed when the ticking goroutine has returned
	drain   chan struct{} // closed by Shutdown: workers return once their queue is empty

	onSnapshot      func(metrics.Snapshot) // Config.OnSnapshot; nil when unset
	shutdownCtx     context.Context        // Shutdown's context, set before drain is closed
	shutdownTimeout time.Duration          // the bound when Shutdown's context has none
	log             *slog.Logger
	shut            atomic.Bool
}

// Start validates cfg, registers the self-metrics in reg and starts
// exporting reg. It returns an error, and starts nothing, if cfg is invalid
// or reg has an open IntervalReader, such as another running Reporter's
// (the error then wraps metrics.ErrReaderOpen).
func Start(reg *metrics.Registry, cfg Config) (*Reporter, error) {
	s, err := cfg.settings(reg)
	if err != nil {
		return nil, err
	}
	reader, err := reg.NewIntervalReader()
	if err != nil {
		return nil, fmt.Errorf("exporters: a Reporter is already running for this registry, or another reader ends its intervals; "+
			"give one Reporter all the exporters: %w", err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	r := &Reporter{
		reg:     reg,
		reader:  reader,
		ctx:     ctx,
		cancel:  cancel,
		stop:    make(chan struct{}),
		ticking: make(chan struct{}),
		drain:   make(chan struct{}),

		shutdownTimeout: s.shutdownTimeout,
		onSnapshot:      s.onSnapshot,
		log:             s.logger,
	}
	now := time.Now()
	for _, name := range slices.Sorted(maps.Keys(s.exporters)) {
		w := newWorker(name, s.exporters[name], s, now)
		w.register(reg)
		w.openSpool(reg)
		r.workers = append(r.workers, w)
	}
	for _, w := range r.workers {
		go w.run(r)
	}
	go r.tick(newSchedule(now, s.interval))
	return r, nil
}

// tick takes a snapshot at every boundary of the schedule until Shutdown.
// It never waits for an exporter.
func (r *Reporter) tick(sched schedule) {
	defer close(r.ticking)
	timer := time.NewTimer(sched.wait(time.Now()))
	defer timer.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-timer.C:
		}
		now := time.Now()
		if stamp, ok := sched.due(now); ok {
			r.snapshot(stamp)
			now = time.Now()
		}
		timer.Reset(sched.wait(now))
	}
}

// snapshot ends the registry's interval and queues its snapshot for every
// exporter. A non-zero stamp replaces the snapshot's time, so that every
// host's points carry the same interval boundaries.
func (r *Reporter) snapshot(stamp time.Time) {
	snap := r.reader.EndInterval()
	if !stamp.IsZero() {
		snap.Time = stamp
	}
	r.observe(snap)
	for _, w := range r.workers {
		w.enqueue(snap)
	}
}

// observe hands snap to Config.OnSnapshot, recovering a panic in it.
func (r *Reporter) observe(snap metrics.Snapshot) {
	if r.onSnapshot == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("exporters: Config.OnSnapshot panicked", "panic", p, "stack", string(debug.Stack()))
		}
	}()
	r.onSnapshot(snap)
}

// Shutdown stops the Reporter and flushes what it holds:
//
//  1. It stops the ticks and takes a final snapshot, so that the values
//     recorded since the last tick are delivered too. That snapshot is
//     stamped with the time it was taken, not with an interval boundary.
//  2. Each exporter is given until ctx ends to empty its queue, retrying
//     transient errors as usual. A ctx without a deadline is bounded by
//     Config.ShutdownTimeout (5 s by default), so that a dead backend
//     cannot keep the service from exiting. While it waits, Shutdown logs
//     every second which exporters still hold points and why.
//  3. When ctx ends, the calls in progress are canceled, and the points
//     still queued are counted as dropped, logged and reported in the
//     returned error, which then matches context.DeadlineExceeded (or
//     ctx's error) with errors.Is.
//  4. Each exporter's Shutdown is called with ctx once its queue is done.
//
// Shutdown returns when all of that is done, so no goroutine of the
// Reporter outlives it, and soon after ctx ends, since exporters must
// return once their context is done. An exporter that ignores it is given
// up on after half a second: Shutdown reports it and returns, leaving that
// one goroutine behind.
//
// The functional self-metrics (queue, since_success) are unregistered; the
// counters stay in the registry. Another Reporter may then be started for
// it. A second Shutdown returns ErrShutdown.
func (r *Reporter) Shutdown(ctx context.Context) error {
	if !r.shut.CompareAndSwap(false, true) {
		return ErrShutdown
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, r.shutdownTimeout,
			fmt.Errorf("Shutdown's context had no deadline, so it waited Config.ShutdownTimeout (%v): %w",
				r.shutdownTimeout, context.DeadlineExceeded))
		defer cancel()
	}
	close(r.stop)
	<-r.ticking
	r.snapshot(time.Time{})
	r.shutdownCtx = ctx
	close(r.drain)
	r.waitForWorkers(ctx)
	if ctx.Err() != nil {
		r.cancel(context.Cause(ctx))
		grace := time.NewTimer(abandonAfter)
		defer grace.Stop()
	wait:
		for _, w := range r.workers {
			select {
			case <-w.done:
			case <-grace.C:
				break wait
			}
		}
	}
	r.cancel(ErrShutdown)

	errs := make([]error, 0, len(r.workers))
	for _, w := range r.workers {
		if err := w.result(ctx); err != nil {
			r.log.Error("exporters: Shutdown gave up", "error", err)
			errs = append(errs, err)
		}
		w.unregister(r.reg)
	}
	r.reader.Close()
	return errors.Join(errs...)
}

// shutdownProgress is how often Shutdown logs what it is still waiting for.
const shutdownProgress = time.Second

// waitForWorkers waits until every worker has emptied its queue and
// returned, or ctx ends. Every shutdownProgress it logs the exporters that
// still hold points, with their last error.
func (r *Reporter) waitForWorkers(ctx context.Context) {
	progress := time.NewTicker(shutdownProgress)
	defer progress.Stop()
	deadline, _ := ctx.Deadline()
	for _, w := range r.workers {
		for waiting := true; waiting; {
			select {
			case <-w.done:
				waiting = false
			case <-ctx.Done():
				return
			case <-progress.C:
				for _, w := range r.workers {
					if h := w.health(); h.Queued > 0 {
						r.log.Warn("exporters: Shutdown is waiting for an exporter to deliver its queue",
							tagExporter, h.Name, "queued_snapshots", h.Queued, "last_error", h.LastError,
							"gives_up_in", time.Until(deadline).Round(time.Millisecond))
					}
				}
			}
		}
	}
}
