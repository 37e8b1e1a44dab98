package metrics

import (
	"math"
	"sync"
	"testing"
	"time"
)

// exported returns the series of snap by name.
func exported(snap Snapshot) map[string]Series {
	out := make(map[string]Series, len(snap.Series))
	for _, s := range snap.Series {
		out[s.Name] = s
	}
	return out
}

// TestGaugeWithoutValueIsNotExported: a gauge that holds no value, because
// it was never set or was only given NaN or ±Inf, is left out of snapshots
// instead of being exported as a made-up 0, whatever its kind.
func TestGaugeWithoutValueIsNotExported(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	nan := r.GaugeFloat64("ratio.nan", Tags{"pool": "main"})
	nan.Update(math.NaN())
	nan.Update(math.Inf(1))
	r.GaugeFloat64("ratio.unset", nil)
	r.Gauge("depth.unset", nil)
	r.FunctionalGaugeFloat64("ratio.func", nil, math.NaN)
	zero := r.Gauge("depth.zero", nil)
	zero.Update(0) // a zero is a value
	zeroF := r.GaugeFloat64("ratio.zero", nil)
	zeroF.Update(0)
	for _, snap := range []Snapshot{r.Peek(), endInterval(t, r), endInterval(t, r)} {
		got := exported(snap)
		for _, name := range []string{"ratio.nan", "ratio.unset", "depth.unset", "ratio.func"} {
			if s, ok := got[name]; ok {
				t.Fatalf("%s has no value but is exported: %+v", name, s)
			}
		}
		if s, ok := got["depth.zero"]; !ok || s.Value != 0 {
			t.Fatalf("depth.zero: %+v, %v", s, ok)
		}
		if s, ok := got["ratio.zero"]; !ok || s.Value != 0 {
			t.Fatalf("ratio.zero: %+v, %v", s, ok)
		}
	}
	if nan.Value() != 0 || nan.Snapshot().Value() != 0 {
		t.Fatalf("Value of a gauge without a value = %v, want 0 as in go-metrics", nan.Value())
	}

	// The first valid value is exported, and kept through refused ones and
	// snapshots without updates.
	nan.Update(2.5)
	if s, ok := exported(endInterval(t, r))["ratio.nan"]; !ok || s.Value != 2.5 {
		t.Fatalf("after Update(2.5): %+v, %v", s, ok)
	}
	nan.Update(math.NaN())
	for range 2 {
		if s, ok := exported(endInterval(t, r))["ratio.nan"]; !ok || s.Value != 2.5 || nan.Value() != 2.5 {
			t.Fatalf("after a refused NaN: %+v, %v, Value %v", s, ok, nan.Value())
		}
	}
	nan.Update(-0.125)
	if nan.Value() != -0.125 || exported(r.Peek())["ratio.nan"].Value != -0.125 {
		t.Fatalf("Value %v after Update(-0.125)", nan.Value())
	}
}

// TestGaugeFloat64Values checks that every finite value, the extremes
// included, is kept exactly, and that NaN and ±Inf are refused.
func TestGaugeFloat64Values(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	g := r.GaugeFloat64("g", nil)
	for _, v := range []float64{0, math.Copysign(0, -1), 1, -1, math.MaxFloat64, -math.MaxFloat64,
		math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 0.1 + 0.2} {
		g.Update(v)
		if got := g.Value(); math.Float64bits(got) != math.Float64bits(v) {
			t.Fatalf("Value() = %v after Update(%v)", got, v)
		}
		if got := exported(endInterval(t, r))["g"].Value; math.Float64bits(got) != math.Float64bits(v) {
			t.Fatalf("exported %v after Update(%v)", got, v)
		}
		if got := g.Value(); math.Float64bits(got) != math.Float64bits(v) {
			t.Fatalf("Value() = %v after a snapshot of %v", got, v)
		}
	}
	before := r.Refused().BadValues
	for _, v := range []float64{math.NaN(), math.Float64frombits(floatNone), -math.NaN(), math.Inf(1), math.Inf(-1)} {
		g.Update(v)
	}
	if got := r.Refused().BadValues - before; got != 5 {
		t.Fatalf("%d bad values counted, want 5", got)
	}
	if g.Value() != 0.1+0.2 {
		t.Fatalf("Value() = %v after refused values", g.Value())
	}
}

// TestGaugeFloat64IdleExpiry: a float gauge set before every snapshot stays
// exported; one left alone expires, and comes back when set.
func TestGaugeFloat64IdleExpiry(t *testing.T) {
	r, clock, _ := newTestRegistry(t, WithIdleExpiry(time.Minute))
	busy, idle := r.GaugeFloat64("busy", nil), r.GaugeFloat64("idle", nil)
	busy.Update(1)
	idle.Update(1)
	for i := range 5 {
		clock.Add(30 * time.Second)
		busy.Update(1) // the same value still counts as an update
		r.Peek()       // a peek does not clear the flag
		got := exported(endInterval(t, r))
		if _, ok := got["busy"]; !ok {
			t.Fatalf("step %d: busy expired", i)
		}
		if _, ok := got["idle"]; ok != (i < 2) { // last set at the first snapshot
			t.Fatalf("step %d: idle exported %v", i, ok)
		}
	}
	idle.Update(3)
	if s, ok := exported(endInterval(t, r))["idle"]; !ok || s.Value != 3 {
		t.Fatalf("idle set again: %+v, %v", s, ok)
	}
}

// TestGaugeFloat64Concurrent sets a gauge from many goroutines while
// snapshots run: every snapshot exports one of the values set, and the last
// value set wins.
func TestGaugeFloat64Concurrent(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	g := r.GaugeFloat64("g", nil)
	const workers, perWorker = 4, 5000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if s, ok := exported(endInterval(t, r))["g"]; ok && (s.Value < 1 || s.Value > perWorker || s.Value != math.Trunc(s.Value)) {
				done <- nil
				t.Errorf("exported %v, never set", s.Value)
				return
			}
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1; i <= perWorker; i++ {
				g.Update(float64(i))
				if w == 0 {
					g.Update(math.NaN())
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-done
	g.Update(7)
	if s := exported(endInterval(t, r))["g"]; s.Value != 7 || g.Value() != 7 {
		t.Fatalf("exported %v, Value %v, want 7", s.Value, g.Value())
	}
	if got := r.Refused().BadValues; got != perWorker {
		t.Fatalf("BadValues = %d, want %d", got, perWorker)
	}
}

// TestGaugeUpdatesDoNotAllocate covers the valid and the refused paths.
func TestGaugeUpdatesDoNotAllocate(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	g, gf, tm := r.Gauge("g", nil), r.GaugeFloat64("gf", nil), r.Timer("t", nil)
	gf.Update(math.NaN()) // the first refusal of a series allocates its record
	tm.Update(-1)
	v := 0.0
	for name, f := range map[string]func(){
		"Gauge.Update":             func() { g.Update(int64(v)) },
		"GaugeFloat64.Update":      func() { v += 0.5; gf.Update(v) },
		"GaugeFloat64.Update(NaN)": func() { gf.Update(math.NaN()) },
		"Timer.Update(-1)":         func() { tm.Update(-1) },
	} {
		if n := testing.AllocsPerRun(1000, f); n != 0 {
			t.Errorf("%s allocates %v times", name, n)
		}
	}
}
