package exporters_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/metrics"
)

// This file holds what the tests share: an Exporter that records what it
// receives and can be told to fail, block, reject or panic; a log handler
// that keeps records; and helpers to start and stop a Reporter.

var (
	errTransient = errors.New("backend unavailable")
	errInvalid   = errors.New("bad tag")
)

// recorder is an Exporter that records the snapshots it accepts. Its
// behaviour is set before Start or changed under mu.
type recorder struct {
	mu              sync.Mutex
	snaps           []metrics.Snapshot // returned nil or a rejection for these
	calls           int                // Export calls
	failNext        int                // fail this many more calls with errTransient
	partial         int                // with failNext: say this many points were delivered (exporters.Partial)
	partialTimes    map[time.Time]bool // the snapshots a partial failure was returned for
	panicNext       int                // panic in this many more calls
	reject          int                // when non-zero, return Rejected(reject, errInvalid)
	gate            chan struct{}      // when non-nil, Export waits until it is closed
	ignoreCtx       bool               // with gate: wait for the gate even after ctx ends
	panicOnShutdown bool
	shutdowns       int
	shutdownCtxErr  error // ctx.Err() seen by the first Shutdown
}

func (e *recorder) Export(ctx context.Context, snap metrics.Snapshot) error {
	e.mu.Lock()
	e.calls++
	gate, ignoreCtx := e.gate, e.ignoreCtx
	e.mu.Unlock()
	if gate != nil {
		if ignoreCtx {
			<-gate
		} else {
			select {
			case <-gate:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.panicNext > 0:
		e.panicNext--
		panic("boom")
	case e.failNext > 0:
		e.failNext--
		if e.partial > 0 {
			if e.partialTimes == nil {
				e.partialTimes = map[time.Time]bool{}
			}
			e.partialTimes[snap.Time] = true
			return exporters.Partial(e.partial, fmt.Errorf("send: %w", errTransient))
		}
		return fmt.Errorf("send: %w", errTransient)
	case e.reject != 0:
		e.snaps = append(e.snaps, snap)
		return fmt.Errorf("send: %w", exporters.Rejected(e.reject, errInvalid))
	}
	e.snaps = append(e.snaps, snap)
	return nil
}

func (e *recorder) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.shutdowns++
	if e.shutdowns > 1 {
		return exporters.ErrShutdown
	}
	e.shutdownCtxErr = ctx.Err()
	if e.panicOnShutdown {
		panic("boom in shutdown")
	}
	return nil
}

// received returns a copy of the snapshots accepted so far.
func (e *recorder) received() []metrics.Snapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.snaps)
}

// partiallyDelivered returns how many snapshots a partial failure was
// returned for.
func (e *recorder) partiallyDelivered() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.partialTimes)
}

func (e *recorder) callCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls
}

func (e *recorder) shutdownCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.shutdowns
}

// pointy is a recorder that counts perSeries points per series, as an
// OpenTSDB exporter counts one point per field.
type pointy struct {
	*recorder
	perSeries int
	panics    bool
}

func (p pointy) Points(snap metrics.Snapshot) int {
	if p.panics {
		panic("cannot count")
	}
	return p.perSeries * len(snap.Series)
}

// series returns the points of snaps at one point per series.
func series(snaps ...metrics.Snapshot) int64 {
	n := 0
	for _, s := range snaps {
		n += len(s.Series)
	}
	return int64(n)
}

// logSink is a slog.Handler that keeps every record, its attributes
// flattened to text.
type logSink struct {
	mu      *sync.Mutex
	records *[]logRecord
	attrs   []slog.Attr
}

type logRecord struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

func newLogSink() *logSink {
	return &logSink{mu: new(sync.Mutex), records: new([]logRecord)}
}

func (h *logSink) Enabled(context.Context, slog.Level) bool { return true }

func (h *logSink) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	for _, a := range h.attrs {
		rec.attrs[a.Key] = a.Value.String()
	}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.String()
		return true
	})
	h.mu.Lock()
	*h.records = append(*h.records, rec)
	h.mu.Unlock()
	return nil
}

func (h *logSink) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(slices.Clip(h.attrs), attrs...)
	return &c
}

func (h *logSink) WithGroup(string) slog.Handler { return h }

// find returns the records whose message contains msg.
func (h *logSink) find(msg string) []logRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []logRecord
	for _, r := range *h.records {
		if strings.Contains(r.msg, msg) {
			out = append(out, r)
		}
	}
	return out
}

// start starts a Reporter that the test shuts down, or that is shut down
// when the test ends.
func start(t *testing.T, reg *metrics.Registry, cfg exporters.Config) *exporters.Reporter {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	r, err := exporters.Start(reg, cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r.Shutdown(ctx) // ErrShutdown if the test did
	})
	return r
}

// shutdown shuts r down with a timeout and returns its error and how long
// it took.
func shutdown(r *exporters.Reporter, timeout time.Duration) (error, time.Duration) {
	begin := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := r.Shutdown(ctx)
	return err, time.Since(begin)
}

// healthOf returns the health of one exporter.
func healthOf(t *testing.T, r *exporters.Reporter, name string) exporters.ExporterHealth {
	t.Helper()
	for _, h := range r.Health() {
		if h.Name == name {
			return h
		}
	}
	t.Fatalf("no exporter %q in Health", name)
	return exporters.ExporterHealth{}
}

// find returns the series with this name and tag exporter=exporter.
func find(snap metrics.Snapshot, name, exporter string) (metrics.Series, bool) {
	for _, s := range snap.Series {
		if s.Name == name && slices.Contains(s.Tags, metrics.Tag{Key: "exporter", Value: exporter}) {
			return s, true
		}
	}
	return metrics.Series{}, false
}

// names returns the names in a Health report, in order.
func names(hs []exporters.ExporterHealth) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Name
	}
	return out
}
