package exporters_test

import (
	"context"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/metrics"
)

// TestRecoveryIsLogged: after a run of failures, the first success is
// logged once, with how long the exporter had been failing.
func TestRecoveryIsLogged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		flaky := &recorder{failNext: 3}
		logs := newLogSink()
		reg := metrics.NewRegistry()
		reg.Counter("jobs", nil).Inc(1)
		r, err := exporters.Start(reg, exporters.Config{
			Exporters:  map[string]exporters.Exporter{"flaky": flaky},
			Interval:   time.Second,
			MinBackoff: time.Second,
			MaxBackoff: time.Second,
			Logger:     slog.New(logs),
		})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := r.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		recovered := logs.find("accepts exports again")
		if len(recovered) != 1 {
			t.Fatalf("%d recovery lines; want 1", len(recovered))
		}
		if got := recovered[0].attrs["exporter"]; got != "flaky" {
			t.Errorf("recovery line names exporter %q", got)
		}
		if d, err := time.ParseDuration(recovered[0].attrs["failed_for"]); err != nil || d <= 0 {
			t.Errorf("failed_for = %q", recovered[0].attrs["failed_for"])
		}
	})
}
