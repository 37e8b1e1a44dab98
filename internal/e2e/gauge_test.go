package e2e_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/opentsdb"
	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

// TestGaugeWithoutValueIsNotExported: a float gauge given only NaN and
// Inf reaches the backend as nothing, not as a made-up 0; once it gets a
// valid value, that value is exported.
func TestGaugeWithoutValueIsNotExported(t *testing.T) {
	vm := testenv.VictoriaMetrics(t)
	prefix := fmt.Sprintf("e2e.nan.%d", time.Now().UnixNano())
	reg := metrics.NewRegistry(metrics.WithLogger(testLogger(t)))
	if err := reg.SetDefaultTags(metrics.Tags{"host": "e2e"}); err != nil {
		t.Fatal(err)
	}
	ratio := reg.GaugeFloat64("ratio", nil)
	ratio.Update(math.NaN())
	ratio.Update(math.Inf(1))
	reg.Counter("marker", nil).Inc(1) // proves the snapshot arrived
	rep, err := exporters.Start(reg, exporters.Config{
		Exporters: map[string]exporters.Exporter{"tsdb": mustOpenTSDB(t, vm.OpenTSDBHTTPURL, prefix)}, Interval: time.Hour, Logger: testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rep.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	stored := func(name string) []float64 {
		if err := vm.ForceFlush(context.Background()); err != nil {
			return nil
		}
		series, err := vm.Export(context.Background(), fmt.Sprintf(`{__name__=%q}`, name))
		if err != nil || len(series) == 0 {
			return nil
		}
		return series[0].Values
	}
	testkit.Poll(t, 20*time.Second, "the marker in VictoriaMetrics", func() bool { return len(stored(prefix+".marker.count")) == 1 })
	if v := stored(prefix + ".ratio.value"); v != nil {
		t.Fatalf("a gauge given only NaN and Inf was stored as %v", v)
	}
	if r := reg.Refused(); r.BadValues != 2 || r.Last == "" {
		t.Errorf("refusals %+v; want the two bad values counted and named", r)
	}

	// With a valid value, the gauge is exported.
	ratio.Update(0.25)
	rep, err = exporters.Start(reg, exporters.Config{
		Exporters: map[string]exporters.Exporter{"tsdb": mustOpenTSDB(t, vm.OpenTSDBHTTPURL, prefix)}, Interval: time.Hour, Logger: testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	testkit.Poll(t, 20*time.Second, "the gauge's value in VictoriaMetrics", func() bool {
		v := stored(prefix + ".ratio.value")
		return len(v) == 1 && v[0] == 0.25
	})
}

func mustOpenTSDB(t *testing.T, url, prefix string) *opentsdb.Exporter {
	t.Helper()
	exp, err := opentsdb.New(opentsdb.Config{URL: url, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	return exp
}
