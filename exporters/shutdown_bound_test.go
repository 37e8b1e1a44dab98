package exporters_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/metrics"
)

// TestShutdownWithoutDeadlineIsBounded shuts a Reporter down with
// context.Background() while its backend keeps failing: Shutdown must
// return after Config.ShutdownTimeout, count the queued points as dropped,
// and log what it waited for and what it gave up.
func TestShutdownWithoutDeadlineIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dead := &recorder{failNext: 1 << 30}
		logs := newLogSink()
		reg := metrics.NewRegistry()
		reg.Counter("jobs", nil).Inc(3)
		const bound = 3 * time.Second
		r, err := exporters.Start(reg, exporters.Config{
			Exporters:       map[string]exporters.Exporter{"dead": dead},
			Interval:        noTick,
			ShutdownTimeout: bound,
			Logger:          slog.New(logs),
		})
		if err != nil {
			t.Fatal(err)
		}
		begin := time.Now()
		err = r.Shutdown(context.Background())
		if took := time.Since(begin); took < bound || took > bound+time.Second {
			t.Errorf("Shutdown took %v; want the %v bound", took, bound)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shutdown: %v; want a context.DeadlineExceeded", err)
		}
		for _, want := range []string{"dead:", "not delivered", "ShutdownTimeout (3s)", "backend unavailable"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Shutdown error %q does not say %q", err, want)
			}
		}
		h := r.Health()[0]
		if h.Dropped == 0 || h.Exported != 0 || h.Queued != 0 {
			t.Errorf("health after Shutdown: %+v; want every queued point counted as dropped", h)
		}
		if n := len(logs.find("Shutdown is waiting for an exporter")); n < 2 {
			t.Errorf("%d progress lines while Shutdown waited %v; want one a second", n, bound)
		}
		gaveUp := logs.find("Shutdown gave up")
		if len(gaveUp) != 1 || !strings.Contains(gaveUp[0].attrs["error"], "not delivered") {
			t.Errorf("log of giving up: %+v", gaveUp)
		}
	})
}

// TestShutdownKeepsAContextDeadline checks that a deadline longer than
// Config.ShutdownTimeout is honoured: the bound applies only without one.
func TestShutdownKeepsAContextDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dead := &recorder{failNext: 4} // recovers after four failures
		reg := metrics.NewRegistry()
		reg.Counter("jobs", nil).Inc(1)
		r, err := exporters.Start(reg, exporters.Config{
			Exporters:       map[string]exporters.Exporter{"slow": dead},
			Interval:        noTick,
			ShutdownTimeout: time.Millisecond,
			MinBackoff:      time.Second,
			MaxBackoff:      time.Second,
			Logger:          slog.New(slog.DiscardHandler),
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := r.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown with a minute to spare: %v", err)
		}
		if got := len(dead.received()); got != 1 {
			t.Errorf("the exporter received %d snapshots; want the final one", got)
		}
	})
}

// TestShutdownDeadlineWithStuckExporter: Shutdown returns at its context's
// deadline although an exporter never delivers, counts that exporter's
// points as dropped, and blames it alone.
func TestShutdownDeadlineWithStuckExporter(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		stuck := &recorder{gate: make(chan struct{})} // never opened; returns when its context ends
		ok := &recorder{}
		r := start(t, metrics.NewRegistry(), exporters.Config{
			Exporters: map[string]exporters.Exporter{"stuck": stuck, "ok": ok},
			Interval:  noTick,
			Timeout:   time.Minute,
		})
		const deadline = 300 * time.Millisecond
		err, took := shutdown(r, deadline)
		if took < deadline || took > deadline+400*time.Millisecond {
			t.Errorf("Shutdown took %v with a %v deadline", took, deadline)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shutdown: %v; want a context.DeadlineExceeded", err)
		}
		snaps := ok.received()
		if len(snaps) != 1 {
			t.Fatalf("ok exporter received %d snapshots; want 1", len(snaps))
		}
		points := series(snaps...)
		for _, want := range []string{"stuck:", "points in 1 snapshots not delivered"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Shutdown error %q does not say %q", err, want)
			}
		}
		if strings.Contains(err.Error(), "ok:") {
			t.Errorf("Shutdown error %q blames the ok exporter", err)
		}
		if h := healthOf(t, r, "stuck"); h.Dropped != points || h.Exported != 0 || h.Queued != 0 {
			t.Errorf("stuck: health %+v; want %d dropped", h, points)
		}
		if stuck.shutdownCount() != 1 || !errors.Is(stuck.shutdownCtxErr, context.DeadlineExceeded) {
			t.Errorf("stuck exporter's Shutdown called %d times, context error %v", stuck.shutdownCount(), stuck.shutdownCtxErr)
		}
		if ok.shutdownCount() != 1 {
			t.Errorf("ok exporter's Shutdown called %d times", ok.shutdownCount())
		}
	})
}

// TestShutdownGivesUpOnExporterIgnoringItsContext: an Export that ignores
// its context keeps Shutdown past its deadline only by the time Shutdown
// still waits for it; its late success is not counted.
func TestShutdownGivesUpOnExporterIgnoringItsContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		gate := make(chan struct{})
		deaf := &recorder{gate: gate, ignoreCtx: true}
		logs := newLogSink()
		r := start(t, metrics.NewRegistry(), exporters.Config{
			Exporters: map[string]exporters.Exporter{"deaf": deaf},
			Interval:  noTick,
			Logger:    slog.New(logs),
		})
		const deadline = 100 * time.Millisecond
		err, took := shutdown(r, deadline)
		if took > deadline+time.Second {
			t.Errorf("Shutdown took %v with a %v deadline", took, deadline)
		}
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "goroutine is left behind") {
			t.Fatalf("Shutdown: %v", err)
		}
		h := healthOf(t, r, "deaf")
		if h.Dropped == 0 || h.Exported != 0 {
			t.Errorf("health %+v; want the final snapshot dropped", h)
		}

		close(gate) // the Export returns; its success comes too late to count
		synctest.Wait()
		if n := deaf.shutdownCount(); n != 1 {
			t.Errorf("the exporter's Shutdown called %d times once its Export returned; want 1", n)
		}
		if h2 := healthOf(t, r, "deaf"); h2 != h {
			t.Errorf("health changed after Shutdown returned: %+v, was %+v", h2, h)
		}
	})
}
