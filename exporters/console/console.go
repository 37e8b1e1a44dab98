package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/internal/tsdb"
	"github.com/vitals-go/vitals/metrics"
)

// Config configures an Exporter. The zero value writes vitals-named
// OpenTSDB lines to os.Stdout.
type Config struct {
	// Writer receives the lines. Defaults to os.Stdout. Each Export makes
	// one Write call with the whole snapshot; the Exporter never closes it.
	Writer io.Writer
	// GoMetricsNames names the fields as go-metrics' OpenTSDB exporter does
	// (count, std-dev, 99-percentile, one-minute, mean-rate, ...) instead of
	// vitals' (count, stddev, p99, rate1, rate_mean, ...), for dashboards
	// built on go-metrics. Defaults to false.
	GoMetricsNames bool
	// DurationUnit divides timers' min, max, mean, stddev and quantiles,
	// which are nanoseconds. Defaults to time.Millisecond.
	DurationUnit time.Duration
	// MaxTags is the most tags a point may carry, as the backend's
	// tsd.storage.max_tags. Points with more are refused. Defaults to 8.
	MaxTags int
	// Prefix is prepended as "<Prefix>." to every metric name. It must use
	// OpenTSDB's characters (ASCII letters and digits, '-', '_', '.', '/',
	// Unicode letters). Defaults to none.
	Prefix string
}

// Exporter writes snapshots as OpenTSDB telnet put lines, one per field of
// every series:
//
//	put jobs.done.count 1700000000 3 host=web01 queue=base
//
// It is safe for concurrent use; Exports are written one at a time.
type Exporter struct {
	w    io.Writer
	opts tsdb.Options

	// lock is a one-slot semaphore rather than a mutex so that Export and
	// Shutdown stop waiting for a stuck Write when their context ends.
	lock   chan struct{}
	closed atomic.Bool

	// Guarded by lock.
	points  []tsdb.Point // reused by each Export
	buf     []byte       // the encoded snapshot, reused
	written int          // how much of buf reached the writer
	pending pending      // the snapshot whose Write failed part-way
	midLine bool         // the last Write ended inside a line
}

// pending identifies the snapshot in buf while it is not fully written, so
// that a retry of the same snapshot writes only the rest.
type pending struct {
	active  bool
	time    time.Time
	series  int
	first   *metrics.Series
	invalid int
}

// Compile-time checks that Exporter is what the Reporter needs.
var (
	_ exporters.Exporter     = (*Exporter)(nil)
	_ exporters.PointCounter = (*Exporter)(nil)
)

// ErrInvalidPoint is the reason in the exporters.RejectedError that Export
// returns when it left points out because OpenTSDB cannot store them.
var ErrInvalidPoint = errors.New("console: not valid for OpenTSDB (NaN or infinite value, no tag or more than MaxTags tags, empty name or tag, or a line of 1024 bytes or more)")

// New returns an Exporter for cfg, or an error when cfg is invalid.
func New(cfg Config) (*Exporter, error) {
	if cfg.DurationUnit < 0 {
		return nil, fmt.Errorf("console: DurationUnit %v is negative", cfg.DurationUnit)
	}
	if cfg.MaxTags < 0 {
		return nil, fmt.Errorf("console: MaxTags %d is negative", cfg.MaxTags)
	}
	if s := tsdb.Sanitize(cfg.Prefix); s != cfg.Prefix {
		return nil, fmt.Errorf("console: Prefix %q has characters OpenTSDB refuses; %q would do", cfg.Prefix, s)
	}
	if cfg.Writer == nil {
		cfg.Writer = os.Stdout
	}
	opts := tsdb.Options{DurationUnit: cfg.DurationUnit, MaxTags: cfg.MaxTags, Prefix: cfg.Prefix}
	if cfg.GoMetricsNames {
		opts.Naming = tsdb.NamingGoMetrics
	}
	return &Exporter{w: cfg.Writer, opts: opts, lock: make(chan struct{}, 1)}, nil
}

// Export writes every valid point of snap in one Write. It returns
//
//   - nil when everything was written;
//   - an *exporters.RejectedError wrapping ErrInvalidPoint, after writing the
//     valid points, when some points cannot be stored by OpenTSDB (see
//     Points for how many there are in all);
//   - the writer's error, which the Reporter treats as transient: when the
//     same snapshot (the same Time and Series slice) is offered again,
//     Export writes only what the failed Write did not, so no line is lost,
//     doubled or torn. When another snapshot comes instead, a line the
//     failed Write cut short is ended first, so that only it is lost;
//   - ctx's error when ctx ended before Export could start;
//   - exporters.ErrShutdown after Shutdown.
func (e *Exporter) Export(ctx context.Context, snap metrics.Snapshot) error {
	if e.closed.Load() {
		return exporters.ErrShutdown
	}
	if err := e.acquire(ctx); err != nil {
		return err
	}
	defer e.release()
	if e.closed.Load() {
		return exporters.ErrShutdown
	}
	if !e.pending.active || !e.pending.is(snap) {
		e.encode(snap)
	}
	return e.flush()
}

// Points returns how many points Export makes of snap, valid or not.
func (e *Exporter) Points(snap metrics.Snapshot) int { return tsdb.Count(snap, e.opts) }

// Shutdown stops the Exporter: later Exports return exporters.ErrShutdown.
// It waits for an Export in progress, or returns ctx's error if ctx ends
// first (the Exporter is shut down all the same). The Writer is not closed.
// A second Shutdown returns exporters.ErrShutdown.
func (e *Exporter) Shutdown(ctx context.Context) error {
	if e.closed.Swap(true) {
		return exporters.ErrShutdown
	}
	if err := e.acquire(ctx); err != nil {
		return err
	}
	defer e.release()
	e.points, e.buf, e.pending = nil, nil, pending{}
	return nil
}

// acquire takes the lock, or gives up when ctx ends.
func (e *Exporter) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case e.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *Exporter) release() { <-e.lock }

// encode replaces buf with the lines of snap.
func (e *Exporter) encode(snap metrics.Snapshot) {
	points, invalid := tsdb.Flatten(e.points[:0], snap, e.opts)
	buf := e.buf[:0]
	if e.midLine {
		// A snapshot given up on part-way left a torn line: end it, so
		// that it alone is lost and not the first line of this one.
		buf = append(buf, '\n')
	}
	for _, p := range points {
		buf = tsdb.AppendTelnet(buf, p)
	}
	clear(points) // let the snapshot's strings go
	e.points, e.buf, e.written = points[:0], buf, 0
	e.pending = pending{active: true, time: snap.Time, series: len(snap.Series), invalid: invalid}
	if len(snap.Series) > 0 {
		e.pending.first = &snap.Series[0]
	}
}

// flush writes what is left of buf.
func (e *Exporter) flush() error {
	if rest := e.buf[e.written:]; len(rest) > 0 {
		n, err := e.w.Write(rest)
		n = max(0, min(n, len(rest)))
		if n > 0 {
			e.written += n
			e.midLine = rest[n-1] != '\n'
		}
		if err == nil && n < len(rest) {
			err = io.ErrShortWrite
		}
		if err != nil {
			return fmt.Errorf("console: write: %w", err)
		}
	}
	invalid := e.pending.invalid
	e.pending = pending{}
	if invalid > 0 {
		return exporters.Rejected(invalid, ErrInvalidPoint)
	}
	return nil
}

// is reports whether snap is the snapshot p describes: the Reporter offers
// the same Snapshot value again, with the same Series array.
func (p pending) is(snap metrics.Snapshot) bool {
	if !p.time.Equal(snap.Time) || p.series != len(snap.Series) {
		return false
	}
	return len(snap.Series) == 0 || p.first == &snap.Series[0]
}
