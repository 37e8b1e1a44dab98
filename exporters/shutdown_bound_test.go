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
