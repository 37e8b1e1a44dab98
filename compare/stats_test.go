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

// TestSamples: the per-interval value of a quantile is the quantile of
// each interval on its own. Host a records 990 fast requests in two
// intervals, host b 10 slow ones in a third: the per-interval p99s are
// those of the intervals, whose average (340) is not the p99 of the side
// (10, rank 990 of 1000).
func TestSamples(t *testing.T) {
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
	d := &side{span: Span{Flush: 10 * time.Second, Duration: 30 * time.Second}}
	n := l.samples(d, true)
	if p99 := n[FieldP99]; !slices.Equal(p99, stored) || (p99[0]+p99[1]+p99[2])/3 != 340 {
		t.Errorf("per-interval p99s %v, want those of each interval %v, averaging 340", p99, stored)
	}
	if _, ok := n[FieldCount]; ok {
		t.Errorf("per-interval counts %v: the count is not judged", n[FieldCount])
	}
	if r := n[FieldRate]; !slices.Equal(r, []float64{49.5, 49.5, 1}) {
		t.Errorf("per-interval rates %v", r)
	}
	st := l.stats(d, true)
	if st.P99 != 10 || st.Count != 1000 || st.Max != 1000 || st.Intervals != 3 || !near(st.Rate, 1000.0/30) {
		t.Errorf("stats %+v; want P99 10, 1000 values over 30 s, Max 1000", st)
	}
}

// TestSamplesPartialIntervals: a process ran from 12:00:00.7 to 12:00:03.2
// with 1 s flushes: its first interval covers 0.3 s and is left out, its
// last (the final flush, 0.2 s after the tick at :03) too; the one at :01
// covers 1 s. The rate of each interval is its count over the time it
// covers, and the side's rate is over the 2.5 s it ran.
func TestSamplesPartialIntervals(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	d := &side{span: Span{Flush: time.Second, Duration: 2500 * time.Millisecond},
		running: []period{{at(700), at(3200)}}}
	var l line
	for _, iv := range []struct {
		ms, n int
	}{{1000, 3}, {2000, 10}, {3000, 12}, {3200, 2}} {
		l.intervals = append(l.intervals, Interval{Time: at(iv.ms), Dist: dist(slices.Repeat([]int64{5}, iv.n)...)})
	}
	n := l.samples(d, true)
	if r := n[FieldRate]; !slices.Equal(r, []float64{10, 12}) {
		t.Errorf("per-interval rates %v, want [10 12]: the 0.3 s and 0.2 s intervals left out", r)
	}
	if st := l.stats(d, true); st.Count != 27 || !near(st.Rate, 27/2.5) {
		t.Errorf("count %d, rate %v; want 27 over 2.5 s", st.Count, st.Rate)
	}
	// Half a flush interval is enough.
	d.running[0].from = at(500)
	if r := l.samples(d, true)[FieldRate]; !slices.Equal(r, []float64{6, 10, 12}) {
		t.Errorf("per-interval rates %v, want [6 10 12] with a first interval of 0.5 s", r)
	}
}
