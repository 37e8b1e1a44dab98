package compare

import (
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
