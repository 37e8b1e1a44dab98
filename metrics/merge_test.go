package metrics_test

import (
	"math"
	"slices"
	"testing"

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

// TestMergerAgreesWithMerge: the side's distribution, merged by
// metrics.Merger, is the one Distribution.Merge gives, whatever the order,
// empty intervals and unknown bounds included.
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
