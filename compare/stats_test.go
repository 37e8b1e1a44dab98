package compare

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// dist returns the Distribution of values, as a histogram records them.
func dist(values ...int64) metrics.Distribution {
	var d metrics.Distribution
	for _, v := range values {
		d = d.Merge(metrics.Distribution{Count: 1, Sum: v, Min: v, Max: v,
			Buckets: []metrics.Bucket{{Index: metrics.BucketIndex(v), Count: 1}}})
	}
	return d
}

// TestNoise: the noise of a quantile is the quantile of each interval on
// its own. Host a records 990 fast requests in two intervals, host b 10
// slow ones in a third: the per-interval p99s are those of the intervals,
// whose average (340) is not the p99 of the side (10, rank 990 of 1000).
func TestNoise(t *testing.T) {
	t.Parallel()
	fast := slices.Repeat([]int64{10}, 495)
	slow := slices.Repeat([]int64{1000}, 10)
	start := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	var l line
	var stored []float64
	for i, vs := range [][]int64{fast, fast, slow} {
		d := dist(vs...)
		l.intervals = append(l.intervals, Interval{Time: start.Add(time.Duration(i) * 10 * time.Second), Dist: d})
		stored = append(stored, d.Quantile(0.99))
	}
	n := l.noise(10*time.Second, true)
	if p99 := n[FieldP99]; !slices.Equal(p99, stored) || (p99[0]+p99[1]+p99[2])/3 != 340 {
		t.Errorf("per-interval p99s %v, want those of each interval %v, averaging 340", p99, stored)
	}
	if c := n[FieldCount]; !slices.Equal(c, []float64{495, 495, 10}) {
		t.Errorf("per-interval counts %v", c)
	}
	if r := n[FieldRate]; !slices.Equal(r, []float64{49.5, 49.5, 1}) {
		t.Errorf("per-interval rates %v", r)
	}
	st := l.stats(10*time.Second, true)
	if st.P99 != 10 || st.Count != 1000 || st.Max != 1000 || st.Intervals != 3 || !near(st.Rate, 1000.0/30) {
		t.Errorf("stats %+v; want P99 10, 1000 values over 30 s, Max 1000", st)
	}
}

// TestMergerAgreesWithMerge: the side's distribution, merged by
// metrics.Merger, is the one Distribution.Merge gives, whatever the order,
// empty intervals and unknown bounds included. (A test of metrics.Merger,
// kept here with its one user.)
func TestMergerAgreesWithMerge(t *testing.T) {
	t.Parallel()
	parts := []metrics.Distribution{
		dist(5, 7, 1000, 1e9),
		{}, // an interval without values
		dist(0, -3, 5),
		{Count: 2, Sum: 30, Min: 10, Max: 20}, // no buckets: an attached go-metrics histogram
		dist(1 << 62),
	}
	for _, order := range [][]int{{0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {1, 3, 0, 4, 2}} {
		var want metrics.Distribution
		var m metrics.Merger
		for _, i := range order {
			want = want.Merge(parts[i])
			m.Add(parts[i])
		}
		got := m.Distribution()
		if got.Count != want.Count || got.Sum != want.Sum || got.Min != want.Min || got.Max != want.Max ||
			!slices.Equal(got.Buckets, want.Buckets) {
			t.Errorf("order %v: Merger gives %+v, Merge %+v", order, got, want)
		}
		for _, q := range []float64{0, 0.5, 0.9, 0.99, 1} {
			if got.Quantile(q) != want.Quantile(q) {
				t.Errorf("order %v: Quantile(%v) %v, want %v", order, q, got.Quantile(q), want.Quantile(q))
			}
		}
	}
	var empty metrics.Merger
	if d := empty.Distribution(); d.Count != 0 || d.Buckets != nil {
		t.Errorf("empty Merger: %+v", d)
	}
	// An index no bucket has is counted in the nearest valid one.
	var m metrics.Merger
	m.Add(metrics.Distribution{Count: 2, Min: math.MinInt64, Max: math.MaxInt64,
		Buckets: []metrics.Bucket{{Index: -5, Count: 1}, {Index: 99999, Count: 1}}})
	if b := m.Distribution().Buckets; len(b) != 2 || b[0].Index != 0 || b[1].Index != 2239 {
		t.Errorf("out-of-range indexes counted in %v, want 0 and 2239", b)
	}
}
