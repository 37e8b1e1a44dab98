package healthcheck_test

import (
	"context"
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vitals-go/vitals/healthcheck"
	"github.com/vitals-go/vitals/metrics"
)

func TestGaugeThreshold(t *testing.T) {
	g := metrics.NewRegistry().Gauge("queue.depth", nil)
	check := healthcheck.GaugeThreshold(g, 500, 1000)
	for _, tc := range []struct {
		v    int64
		want healthcheck.Result
	}{
		{0, healthcheck.Result{healthcheck.Good, "0"}},
		{-3, healthcheck.Result{healthcheck.Good, "-3"}},
		{500, healthcheck.Result{healthcheck.Good, "500"}},
		{501, healthcheck.Result{healthcheck.Warn, "501 (warn > 500)"}},
		{1000, healthcheck.Result{healthcheck.Warn, "1000 (warn > 500)"}},
		{1001, healthcheck.Result{healthcheck.Critical, "1001 (crit > 1000)"}},
	} {
		g.Update(tc.v)
		if got := check(context.Background()); got != tc.want {
			t.Errorf("gauge %d: got %+v, want %+v", tc.v, got, tc.want)
		}
	}
	g.Update(math.MaxInt64)
	if got := healthcheck.GaugeThreshold(g, 10, math.MaxInt64)(context.Background()); got.Status != healthcheck.Warn {
		t.Errorf("crit turned off: got %+v, want WARN", got)
	}
}

// TestMeterRate runs in a bubble, whose fake clock drives the meter's
// moving averages.
func TestMeterRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := metrics.NewRegistry().Meter("requests", nil)
		above := healthcheck.MeterRateAbove(m, 50, 100)
		below := healthcheck.MeterRateBelow(m, 10, 1)
		ctx := context.Background()
		check := func(stage string, wantAbove, wantBelow healthcheck.Result) {
			t.Helper()
			if got := above(ctx); got != wantAbove {
				t.Errorf("%s: above got %+v, want %+v", stage, got, wantAbove)
			}
			if got := below(ctx); got != wantBelow {
				t.Errorf("%s: below got %+v, want %+v", stage, got, wantBelow)
			}
		}

		time.Sleep(time.Second)
		check("new and idle",
			healthcheck.Result{healthcheck.Good, "0.00/s"},
			healthcheck.Result{healthcheck.Critical, "0.00/s (crit < 1.00/s)"})

		// Before the first 5 s tick the mean rate stands in for the
		// moving average: 20 events in 2 s.
		m.Mark(20)
		time.Sleep(time.Second)
		check("before the first tick",
			healthcheck.Result{healthcheck.Good, "10.00/s"},
			healthcheck.Result{healthcheck.Good, "10.00/s"})

		m.Mark(231) // 251 events in the first 5 s: 50.2/s
		time.Sleep(3 * time.Second)
		check("first tick",
			healthcheck.Result{healthcheck.Warn, "50.20/s (warn > 50.00/s)"},
			healthcheck.Result{healthcheck.Good, "50.20/s"})

		m.Mark(5 * 250) // 250/s for 5 s: the one-minute average moves 8% of the way
		time.Sleep(5 * time.Second)
		check("second tick",
			healthcheck.Result{healthcheck.Warn, "66.18/s (warn > 50.00/s)"},
			healthcheck.Result{healthcheck.Good, "66.18/s"})

		m.Mark(60 * 1000) // 1000/s for a minute
		time.Sleep(time.Minute)
		check("busy minute",
			healthcheck.Result{healthcheck.Critical, "656.47/s (crit > 100.00/s)"},
			healthcheck.Result{healthcheck.Good, "656.47/s"})

		time.Sleep(10 * time.Minute) // nothing happens: the rate decays
		check("idle",
			healthcheck.Result{healthcheck.Good, "0.03/s"},
			healthcheck.Result{healthcheck.Critical, "0.03/s (crit < 1.00/s)"})
		if got := healthcheck.MeterRateBelow(m, 0.05, math.Inf(-1))(ctx); got.Status != healthcheck.Warn {
			t.Errorf("crit turned off: got %+v, want WARN", got)
		}
	})
}

func TestTimerPercentile(t *testing.T) {
	r := metrics.NewRegistry()
	timer := r.Timer("query.latency", nil)
	reader, err := r.NewIntervalReader() // as the exporters' Reporter holds it
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	ctx := context.Background()
	p99 := healthcheck.TimerPercentile(timer, 0.99, 10*time.Millisecond, 100*time.Millisecond)
	if got, want := p99(ctx), (healthcheck.Result{healthcheck.Good, "p99 none recorded"}); got != want {
		t.Errorf("empty timer: got %+v, want %+v", got, want)
	}
	for _, tc := range []struct {
		d    time.Duration
		want healthcheck.Result
	}{
		{4210 * time.Microsecond, healthcheck.Result{healthcheck.Good, "p99 4.21ms"}},
		{10 * time.Millisecond, healthcheck.Result{healthcheck.Good, "p99 10ms"}},
		{12345678 * time.Nanosecond, healthcheck.Result{healthcheck.Warn, "p99 12.3ms (warn > 10ms)"}},
		{1234567890 * time.Nanosecond, healthcheck.Result{healthcheck.Critical, "p99 1.23s (crit > 100ms)"}},
		{182500 * time.Millisecond, healthcheck.Result{healthcheck.Critical, "p99 3m3s (crit > 100ms)"}},
		{850 * time.Nanosecond, healthcheck.Result{healthcheck.Good, "p99 850ns"}},
	} {
		reader.EndInterval() // a new interval, holding only tc.d: every quantile is exactly tc.d
		timer.Update(tc.d)
		if got := p99(ctx); got != tc.want {
			t.Errorf("%v: got %+v, want %+v", tc.d, got, tc.want)
		}
	}

	// The quantile is of the values since the last snapshot, within 1%.
	reader.EndInterval()
	for ms := 1; ms <= 1000; ms++ {
		timer.Update(time.Duration(ms) * time.Millisecond)
	}
	for _, tc := range []struct {
		q     float64
		label string
		exact time.Duration
	}{
		{0.5, "p50", 500 * time.Millisecond},
		{0.99, "p99", 990 * time.Millisecond},
		{0.999, "p99.9", 999 * time.Millisecond},
	} {
		got := healthcheck.TimerPercentile(timer, tc.q, time.Hour, time.Hour)(ctx).Value
		var d time.Duration
		label, value, _ := cut(got)
		d, err := time.ParseDuration(value)
		if err != nil || label != tc.label || math.Abs(float64(d-tc.exact)) > 0.011*float64(tc.exact) {
			t.Errorf("q=%v: got %q, want %s within 1%% of %v", tc.q, got, tc.label, tc.exact)
		}
	}
}

// cut splits "p99 12.3ms" into "p99" and "12.3ms".
func cut(s string) (label, value string, ok bool) {
	for i := range len(s) {
		if s[i] == ' ' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func TestInfo(t *testing.T) {
	addr := "127.0.0.1:6060"
	if got, want := healthcheck.Info(func() string { return addr })(context.Background()),
		(healthcheck.Result{healthcheck.Good, "127.0.0.1:6060"}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
