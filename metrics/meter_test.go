package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	gometrics "github.com/rcrowley/go-metrics"
)

// goMetricsEWMAs are go-metrics' own moving averages, ticked by hand.
type goMetricsEWMAs struct{ m1, m5, m15 gometrics.EWMA }

func newGoMetricsEWMAs() goMetricsEWMAs {
	return goMetricsEWMAs{gometrics.NewEWMA1(), gometrics.NewEWMA5(), gometrics.NewEWMA15()}
}

func (g goMetricsEWMAs) update(n int64) {
	g.m1.Update(n)
	g.m5.Update(n)
	g.m15.Update(n)
}

func (g goMetricsEWMAs) tick() {
	g.m1.Tick()
	g.m5.Tick()
	g.m15.Tick()
}

func within(got, want, rel float64) bool {
	if want == 0 {
		return math.Abs(got) < 1e-9
	}
	return math.Abs(got-want) <= rel*math.Abs(want)
}

// TestMeterRatesMatchGoMetrics feeds the same bursty event stream to a
// Meter and to go-metrics' EWMAs for 30 minutes, reading the meter at every
// 5 s tick as a go-metrics ticker would, and compares every reading.
func TestMeterRatesMatchGoMetrics(t *testing.T) {
	r, clock, _ := newTestRegistry(t)
	m := r.Meter("flows", nil)
	tm := r.Timer("latency", nil)
	gm := newGoMetricsEWMAs()
	rng := rand.New(rand.NewPCG(1, 2))
	for tick := range 360 {
		// A stream that idles, bursts and drifts.
		n := int64(0)
		switch {
		case tick%60 < 10:
		case tick%60 < 20:
			n = 5000 + rng.Int64N(5000)
		default:
			n = rng.Int64N(200)
		}
		for range 4 { // several marks per tick
			m.Mark(n / 4)
			gm.update(n / 4)
		}
		for range n / 40 {
			tm.Update(time.Millisecond)
		}
		clock.Add(tickInterval)
		gm.tick()
		got := m.Rates()
		if !within(got.Rate1, gm.m1.Rate(), 0.01) || !within(got.Rate5, gm.m5.Rate(), 0.01) ||
			!within(got.Rate15, gm.m15.Rate(), 0.01) {
			t.Fatalf("tick %d: rates %+v, go-metrics %.4f %.4f %.4f", tick, got,
				gm.m1.Rate(), gm.m5.Rate(), gm.m15.Rate())
		}
		wantTimer := float64(4*(n/4)/40) / 5
		if tick == 0 && !within(tm.Rate1(), wantTimer, 0.01) {
			t.Fatalf("timer's first rate %.4f, want %.4f", tm.Rate1(), wantTimer)
		}
	}
	elapsed := 360 * tickInterval.Seconds()
	if got := m.RateMean(); !within(got, float64(m.Count())/elapsed, 1e-9) {
		t.Fatalf("RateMean %.4f, want %.4f", got, float64(m.Count())/elapsed)
	}
}

// TestMeterRatesReadSeldom reads a steady meter only every 10 s (the
// default flush interval) and every 60 s: the rates still match go-metrics'
// within 1%.
func TestMeterRatesReadSeldom(t *testing.T) {
	for _, every := range []int{2, 12} { // ticks between reads
		r, clock, _ := newTestRegistry(t)
		m := r.Meter("flows", nil)
		gm := newGoMetricsEWMAs()
		for tick := 1; tick <= 240; tick++ {
			m.Mark(500)
			gm.update(500)
			clock.Add(tickInterval)
			gm.tick()
			if tick%every != 0 {
				continue
			}
			got := m.Rates()
			if !within(got.Rate1, gm.m1.Rate(), 0.01) || !within(got.Rate15, gm.m15.Rate(), 0.01) {
				t.Fatalf("every %d ticks, tick %d: %+v vs %.4f %.4f", every, tick, got, gm.m1.Rate(), gm.m15.Rate())
			}
		}
	}
}

func TestMeterBeforeFirstTick(t *testing.T) {
	r, clock, _ := newTestRegistry(t)
	m := r.Meter("flows", nil)
	m.Mark(10)
	clock.Add(2 * time.Second)
	got := m.Rates()
	if got.Rate1 != 0 || got.Mean != 5 {
		t.Fatalf("before the first tick: %+v, want Rate1 0 and Mean 5", got)
	}
	if s := m.Snapshot(); s.Count() != 10 || s.RateMean() != 5 {
		t.Fatalf("go-metrics snapshot: count %d mean %f", s.Count(), s.RateMean())
	}
}
