package healthcheck_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vitals-go/vitals/healthcheck"
)

// newHealth returns a Health for service "svc", release "v1", that logs to
// the test.
func newHealth(t testing.TB, cfg healthcheck.Config) *healthcheck.Health {
	t.Helper()
	if cfg.Service == "" {
		cfg.Service = "svc"
	}
	if cfg.Release == "" {
		cfg.Release = "v1"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(newTestWriter(t), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	h, err := healthcheck.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// testWriter sends log lines to t.Log until the test ends, and drops
// those that background goroutines write later.
type testWriter struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

func newTestWriter(t testing.TB) *testWriter {
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return w
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

// fixed returns a check that always returns r and counts its calls.
func fixed(r healthcheck.Result, calls *atomic.Int64) healthcheck.Check {
	return func(context.Context) healthcheck.Result {
		if calls != nil {
			calls.Add(1)
		}
		return r
	}
}

// gate is a check that blocks, ignoring its context, until Release; it
// signals each call on started.
type gate struct {
	started chan struct{} // one send per call, buffered
	release chan struct{}
	once    sync.Once
	calls   atomic.Int64
}

func newGate(t testing.TB) *gate {
	g := &gate{started: make(chan struct{}, 1000), release: make(chan struct{})}
	t.Cleanup(g.Release)
	return g
}

func (g *gate) Check(context.Context) healthcheck.Result {
	g.calls.Add(1)
	g.started <- struct{}{}
	<-g.release
	return healthcheck.Result{Value: "released"}
}

// Release lets every call, present and future, return.
func (g *gate) Release() { g.once.Do(func() { close(g.release) }) }

// text returns the report as WriteText writes it.
func text(t testing.TB, r healthcheck.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// lines splits a text report into its lines, checking that it ends in a
// line break.
func lines(t testing.TB, report string) []string {
	t.Helper()
	if !strings.HasSuffix(report, "\n") {
		t.Fatalf("report does not end in a line break: %q", report)
	}
	return strings.Split(strings.TrimSuffix(report, "\n"), "\n")
}
