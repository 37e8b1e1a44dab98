package console

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/internal/tsdb"
	"github.com/vitals-go/vitals/metrics"
)

// Exporter writes snapshots to an io.Writer in a Format.
//
// It is safe for concurrent use; Exports are written one at a time.
type Exporter struct {
	w      io.Writer
	format Format
	put    putEncoder
	text   textEncoder

	// lock is a one-slot semaphore rather than a mutex so that Export and
	// Shutdown stop waiting for a stuck Write when their context ends.
	lock   chan struct{}
	closed atomic.Bool

	// Guarded by lock.
	buf     []byte  // the encoded snapshot, reused
	written int     // how much of buf reached the writer
	pending pending // the snapshot whose Write failed part-way
	midLine bool    // the last Write ended inside a line
}

// pending describes the snapshot in buf while it is not fully written, so
// that a retry of it writes only the rest.
type pending struct {
	seq     uint64 // its Snapshot.Seq; 0 when nothing can be retried
	invalid int    // points left out of buf
}

// Compile-time checks that Exporter is what the Reporter needs.
var (
	_ exporters.Exporter     = (*Exporter)(nil)
	_ exporters.PointCounter = (*Exporter)(nil)
)

// ErrInvalidPoint is the reason in the exporters.RejectedError that Export
// returns in FormatPut when it left points out because OpenTSDB cannot store
// them. It is the same value as opentsdb.ErrInvalidPoint.
var ErrInvalidPoint = tsdb.ErrInvalidPoint

// New returns an Exporter for cfg, or an error when cfg is invalid.
func New(cfg Config) (*Exporter, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Writer == nil {
		cfg.Writer = os.Stdout
	}
	e := &Exporter{w: cfg.Writer, format: cfg.Format, lock: make(chan struct{}, 1)}
	e.put.opts = tsdb.Options{DurationUnit: cfg.DurationUnit, MaxTags: cfg.MaxTags, Prefix: cfg.Prefix}
	if cfg.GoMetricsNames {
		e.put.opts.Naming = tsdb.NamingGoMetrics
	}
	return e, nil
}

// Export writes snap in one Write: in FormatPut every valid point, in
// FormatText every series. It returns
//
//   - nil when everything was written;
//   - in FormatPut, an *exporters.RejectedError wrapping ErrInvalidPoint,
//     after writing the valid points, when some points cannot be stored by
//     OpenTSDB (see Points for how many there are in all). The text format
//     writes any value (NaN as "NaN") and rejects nothing;
//   - the writer's error, which the Reporter treats as transient: when the
//     same snapshot is offered again (the same non-zero Snapshot.Seq, see
//     exporters.Exporter), Export writes only what the failed Write did
//     not, so no line is lost, doubled or torn. When another snapshot comes
//     instead, or one with Seq 0, a line the failed Write cut short is
//     ended first, so that only it is lost;
//   - ctx's error when ctx ended before Export could start;
//   - exporters.ErrShutdown once Shutdown was called.
func (e *Exporter) Export(ctx context.Context, snap metrics.Snapshot) error {
	if e.closed.Load() {
		return exporters.ErrShutdown
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := e.acquire(ctx); err != nil {
		return err
	}
	defer e.release()
	if e.closed.Load() {
		return exporters.ErrShutdown
	}
	if !e.pending.retriedBy(snap) {
		e.encode(snap)
	}
	return e.flush()
}

// Points returns how many points Export makes of snap, valid or not: in
// FormatPut one per field of every series (as the OpenTSDB exporter counts
// them), in FormatText one per series, each being one line or item. The
// Reporter counts exported, rejected and dropped points with it.
func (e *Exporter) Points(snap metrics.Snapshot) int {
	if e.format == FormatText {
		return len(snap.Series)
	}
	return e.put.count(snap)
}

// Shutdown stops the Exporter as exporters.Exporter describes: Exports
// called from then on return exporters.ErrShutdown; an Export in progress
// is waited for until ctx ends. Then Shutdown gives up on it and returns an
// error wrapping ctx's error. An Export is stuck only in a Write, which an
// io.Writer gives no way to interrupt: it is abandoned, the Exporter's
// buffers are released when it returns, and it returns the Write's result.
// The Writer is not closed. A second Shutdown returns
// exporters.ErrShutdown.
func (e *Exporter) Shutdown(ctx context.Context) error {
	if e.closed.Swap(true) {
		return exporters.ErrShutdown
	}
	if err := e.acquire(ctx); err != nil {
		return fmt.Errorf("console: Shutdown's context ended during an Export, which it abandoned in a Write that cannot be interrupted: %w", err)
	}
	e.release()
	return nil
}

// acquire takes the lock, or gives up when ctx ends. A free lock is taken
// whatever ctx's state.
func (e *Exporter) acquire(ctx context.Context) error {
	select {
	case e.lock <- struct{}{}:
		return nil
	default:
	}
	select {
	case e.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// release gives the lock back; after Shutdown, the last holder releases
// the buffers first.
func (e *Exporter) release() {
	if e.closed.Load() {
		e.buf, e.pending = nil, pending{}
		e.put.points, e.put.ordered, e.text = nil, nil, textEncoder{}
	}
	<-e.lock
}

// encode replaces buf with snap in the Exporter's format.
func (e *Exporter) encode(snap metrics.Snapshot) {
	buf := e.buf[:0]
	if e.midLine {
		// A snapshot given up on part-way left a torn line: end it, so
		// that it alone is lost and not the first line of this one.
		buf = append(buf, '\n')
	}
	invalid := 0
	if e.format == FormatText {
		buf = e.text.encode(buf, snap)
	} else {
		buf, invalid = e.put.encode(buf, snap)
	}
	e.buf, e.written = buf, 0
	e.pending = pending{seq: snap.Seq, invalid: invalid}
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

// retriedBy reports whether snap is a retry of the snapshot p describes:
// the Reporter offers a snapshot again with the same Seq, and Seq 0 (a
// Peek, a snapshot built by hand) is never a retry.
func (p pending) retriedBy(snap metrics.Snapshot) bool {
	return snap.Seq != 0 && snap.Seq == p.seq
}
