package compare

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bruteP is the two-sided exact p-value of the rank sum of x, by listing
// every way of choosing len(x) of the pooled values: the definition that
// exactP counts faster.
func bruteP(x, y []float64) float64 {
	ranks, _ := doubledRanks(x, y)
	m, big := len(x), len(ranks)
	w := 0
	for _, r := range ranks[:m] {
		w += r
	}
	mean := m * (big + 1)
	var extreme, all float64
	for set := 0; set < 1<<big; set++ {
		k, s := 0, 0
		for i := range big {
			if set&(1<<i) != 0 {
				k++
				s += ranks[i]
			}
		}
		if k != m {
			continue
		}
		all++
		if absInt(s-mean) >= absInt(w-mean) {
			extreme++
		}
	}
	return extreme / all
}

func TestMannWhitneyExact(t *testing.T) {
	t.Parallel()
	seq := func(from, n int) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = float64(from + i)
		}
		return out
	}
	for _, tc := range []struct {
		x, y []float64
		want float64
	}{
		{seq(1, 3), seq(4, 3), 2.0 / 20},
		{seq(1, 5), seq(6, 5), 2.0 / 252},
		{seq(1, 10), seq(11, 10), 2.0 / 184756},
		{seq(11, 10), seq(1, 10), 2.0 / 184756},
		{[]float64{1, 2, 3}, []float64{1, 2, 3}, 1},
		{[]float64{5, 5, 5}, []float64{5, 5, 5, 5}, 1},
		{nil, []float64{1}, 1},
	} {
		if got := mannWhitney(tc.x, tc.y); !near(got, tc.want) {
			t.Errorf("mannWhitney(%v, %v) = %v, want %v", tc.x, tc.y, got, tc.want)
		}
	}
	// Random small samples, with many ties: the counted distribution is
	// the listed one.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		x, y := make([]float64, 1+rng.IntN(7)), make([]float64, 1+rng.IntN(7))
		for i := range x {
			x[i] = float64(rng.IntN(5))
		}
		for i := range y {
			y[i] = float64(rng.IntN(6))
		}
		if got, want := mannWhitney(x, y), bruteP(x, y); !near(got, want) {
			t.Fatalf("mannWhitney(%v, %v) = %v, want %v", x, y, got, want)
		}
	}
}

// TestMannWhitneyNormal: above exactLimit values, the normal approximation
// is within 0.01 of the exact p-value (computed here at 40 values, past
// which exactP is not used), with and without ties.
func TestMannWhitneyNormal(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 50 {
		x, y := make([]float64, 20), make([]float64, 20)
		levels := 1000.0
		if trial%2 == 1 {
			levels = 8 // heavy ties
		}
		for i := range x {
			x[i] = math.Floor(rng.Float64() * levels)
			y[i] = math.Floor((rng.Float64() + 0.1*float64(trial%5)) * levels)
		}
		ranks, ties := doubledRanks(x, y)
		w := 0
		for _, r := range ranks[:len(x)] {
			w += r
		}
		exact, approx := exactP(ranks, len(x), w), normalP(len(x), len(y), w, ties)
		if math.Abs(exact-approx) > 0.01 {
			t.Errorf("trial %d: exact p %v, normal approximation %v", trial, exact, approx)
		}
	}
	// Large samples, 2x apart: far below any alpha.
	x, y := make([]float64, 300), make([]float64, 300)
	for i := range x {
		x[i], y[i] = rng.ExpFloat64(), 2*rng.ExpFloat64()
	}
	if p := mannWhitney(x, y); p > 1e-6 {
		t.Errorf("300 exponential values against 300 twice as large: p = %v", p)
	}
}

func TestHodgesLehmann(t *testing.T) {
	t.Parallel()
	if got := hodgesLehmann([]float64{1, 2, 3}, []float64{11, 12, 13}); got != 10 {
		t.Errorf("shift = %v, want 10", got)
	}
	// Robust to an outlier: the differences are 8, 9, 9, 10, 10, 11, 108, 109, 110.
	if got := hodgesLehmann([]float64{1, 2, 3}, []float64{11, 12, 111}); got != 10 {
		t.Errorf("shift with an outlier = %v, want 10", got)
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("median = %v", got)
	}
}
