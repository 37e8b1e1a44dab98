package pgreader

import (
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// near reports whether got is within 1e-9 (relative) of want.
func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

// checkPoint compares every field of got with want: integers and Time
// exactly, floats within 1e-9.
func checkPoint(t *testing.T, label string, got, want RangePoint) {
	t.Helper()
	if !got.Time.Equal(want.Time) {
		t.Errorf("%s: Time = %v, want %v", label, got.Time, want.Time)
	}
	ints := []struct {
		name      string
		got, want int64
	}{
		{"Total", got.Total, want.Total}, {"Count", got.Count, want.Count}, {"Sum", got.Sum, want.Sum},
		{"Min", got.Min, want.Min}, {"Max", got.Max, want.Max},
	}
	for _, f := range ints {
		if f.got != f.want {
			t.Errorf("%s: %s = %d, want %d", label, f.name, f.got, f.want)
		}
	}
	floats := []struct {
		name      string
		got, want float64
	}{
		{"Mean", got.Mean, want.Mean}, {"StdDev", got.StdDev, want.StdDev},
		{"P50", got.P50, want.P50}, {"P75", got.P75, want.P75}, {"P95", got.P95, want.P95},
		{"P99", got.P99, want.P99}, {"P999", got.P999, want.P999},
		{"Value", got.Value, want.Value},
		{"Rate1", got.Rate1, want.Rate1}, {"Rate5", got.Rate5, want.Rate5},
		{"Rate15", got.Rate15, want.Rate15}, {"RateMean", got.RateMean, want.RateMean},
	}
	for _, f := range floats {
		if !near(f.got, f.want) {
			t.Errorf("%s: %s = %v, want %v", label, f.name, f.got, f.want)
		}
	}
}

// quantiles returns the P50..P999 of the merge of ds.
func quantiles(ds ...metrics.Distribution) (p50, p75, p95, p99, p999 float64) {
	var m metrics.Distribution
	for _, d := range ds {
		m = m.Merge(d)
	}
	return m.Quantile(0.5), m.Quantile(0.75), m.Quantile(0.95), m.Quantile(0.99), m.Quantile(0.999)
}

func mustRange(t *testing.T, r *Reader, e *rdEnv, q RangeQuery) []RangePoint {
	t.Helper()
	points, err := r.Range(e.ctx, q)
	if err != nil {
		t.Fatalf("Range(%+v): %v", q, err)
	}
	return points
}

// TestRangeTimerAcrossHosts merges a timer of two hosts (a third series of
// the same name, another service, is filtered out by the tags) and checks
// every field against values computed by hand. The steps straddle UTC
// midnight, so the rows of the first step are in the default partition and
// those of the second in today's.
func TestRangeTimerAcrossHosts(t *testing.T) {
	t.Parallel()
	e := newRDEnv(t)
	a := e.series(t, "api.latency", "timer", "ns", map[string]string{"host": "a", "service": "api"})
	b := e.series(t, "api.latency", "timer", "ns", map[string]string{"host": "b", "service": "api"})
	c := e.series(t, "api.latency", "timer", "ns", map[string]string{"host": "c", "service": "other"})
	base := time.Now().UTC().Truncate(24 * time.Hour).Add(-30 * time.Second) // UTC midnight, the start of a partition
	at := func(s int) time.Time { return base.Add(time.Duration(s) * time.Second) }

	// Step 0, [base, base+30s).
	e.point(t, a, at(0), interval(10, 10, 30, 30).with(cols{"total": int64(4)}).with(rates(1, 0.5, 0.25, 0.8)))
	e.point(t, a, at(10), interval(20).with(cols{"total": int64(5)}).with(rates(2, 1.5, 0.75, 1.2)))
	e.point(t, b, at(5), interval(30, 60).with(cols{"total": int64(102)}).with(rates(4, 3, 2, 1)))
	e.point(t, b, at(15), interval().with(cols{"total": int64(102)}).with(rates(3, 3, 2, 1)))
	e.point(t, c, at(5), interval(100000).with(cols{"total": int64(1)}).with(rates(50, 50, 50, 50)))
	// Step 1, [base+30s, base+60s).
	e.point(t, a, at(30), interval(100).with(cols{"total": int64(6)}).with(rates(2, 2, 2, 2)))
	e.point(t, a, at(40), interval(200, 400).with(cols{"total": int64(8)}).with(rates(4, 2, 2, 2)))
	e.point(t, b, at(35), interval(1000, 1000, 1000).with(cols{"total": int64(105)}).with(rates(1, 1, 1, 1)))
	// Outside [From, To).
	e.point(t, a, at(-10), interval(5).with(cols{"total": int64(3)}))
	e.point(t, a, at(60), interval(5).with(cols{"total": int64(9)}))

	r := e.reader(t)
	q := RangeQuery{Name: "api.latency", Tags: map[string]string{"service": "api"}, From: base, To: at(60), Step: 30 * time.Second}
	got := mustRange(t, r, e, q)
	if len(got) != 2 {
		t.Fatalf("got %d points, want 2: %+v", len(got), got)
	}

	// Step 0 holds the values 10 10 30 30 | 20 | 30 60 (and an empty
	// interval): N = 7, Σx = 190, Σx² = 6900, so the variance is
	// 6900/7 - (190/7)² = 12200/49. The pooled formula sees the same:
	// 4(10²+20²) + 1(0+20²) + 2(15²+45²) = 6900. Sorted: 10 10 20 30 30 30 60
	// (bucket 30 holds 2 values of a and 1 of b); p50 is rank ceil(3.5) = 4
	// (30), p75 rank 6 (30), p95 and up rank 7 (60): small integers have
	// exact buckets. Totals: the last of a (5) plus the last of b (102).
	// Rates: a's average plus b's.
	want0 := RangePoint{
		Time: base, Total: 5 + 102, Count: 7, Sum: 190, Min: 10, Max: 60,
		Mean: 190.0 / 7, StdDev: math.Sqrt(12200) / 7,
		P50: 30, P75: 30, P95: 60, P99: 60, P999: 60,
		Rate1: (1+2)/2.0 + (4+3)/2.0, Rate5: (0.5+1.5)/2 + 3, Rate15: (0.25+0.75)/2 + 2, RateMean: (0.8+1.2)/2 + 1,
	}
	checkPoint(t, "step 0", got[0], want0)
	var m0 [5]float64
	m0[0], m0[1], m0[2], m0[3], m0[4] = quantiles(dist(10, 10, 30, 30), dist(20), dist(30, 60))
	if m0 != [5]float64{got[0].P50, got[0].P75, got[0].P95, got[0].P99, got[0].P999} {
		t.Errorf("step 0 quantiles %v %v %v %v %v, Distribution.Merge says %v",
			got[0].P50, got[0].P75, got[0].P95, got[0].P99, got[0].P999, m0)
	}

	// Step 1 holds 100 | 200 400 | 1000 1000 1000: N = 6, Σx = 3700,
	// Σx² = 3,210,000, variance (6·3,210,000 - 3700²)/36 = 5,570,000/36.
	// Sorted: 100 200 400 1000 1000 1000: p50 is rank 3 (400), p75 rank 5,
	// p95 rank 6 (1000); these buckets are wider than one integer, so the
	// quantiles are the buckets' representatives, within 1%, exactly those
	// of Distribution.Merge.
	var m1 [5]float64
	m1[0], m1[1], m1[2], m1[3], m1[4] = quantiles(dist(100), dist(200, 400), dist(1000, 1000, 1000))
	want1 := RangePoint{
		Time: at(30), Total: 8 + 105, Count: 6, Sum: 3700, Min: 100, Max: 1000,
		Mean: 3700.0 / 6, StdDev: math.Sqrt(5570000) / 6,
		P50: m1[0], P75: m1[1], P95: m1[2], P99: m1[3], P999: m1[4],
		Rate1: (2+4)/2.0 + 1, Rate5: 2 + 1, Rate15: 2 + 1, RateMean: 2 + 1,
	}
	checkPoint(t, "step 1", got[1], want1)
	for _, qv := range []struct {
		name      string
		got, want float64
	}{{"P50", got[1].P50, 400}, {"P75", got[1].P75, 1000}, {"P99", got[1].P99, 1000}} {
		if math.Abs(qv.got-qv.want) > 0.01*qv.want {
			t.Errorf("step 1: %s = %v, not within 1%% of %v", qv.name, qv.got, qv.want)
		}
	}

	// One series, by id: host a alone. Step 0: 10 10 30 30 | 20, Σx² = 2400,
	// variance 2400/5 - 20² = 80.
	got = mustRange(t, r, e, RangeQuery{SeriesID: a, From: base, To: at(60), Step: 30 * time.Second})
	if len(got) != 2 {
		t.Fatalf("series a: got %d points, want 2", len(got))
	}
	checkPoint(t, "series a, step 0", got[0], RangePoint{
		Time: base, Total: 5, Count: 5, Sum: 100, Min: 10, Max: 30, Mean: 20, StdDev: math.Sqrt(80),
		P50: 20, P75: 30, P95: 30, P99: 30, P999: 30,
		Rate1: 1.5, Rate5: 1, Rate15: 0.5, RateMean: 1,
	})

	// One 90 s step merges both: totals are the last of each host.
	got = mustRange(t, r, e, RangeQuery{Name: "api.latency", Tags: map[string]string{"service": "api"}, From: base, To: at(60), Step: 90 * time.Second})
	if len(got) != 1 || got[0].Total != 8+105 || got[0].Count != 13 || got[0].Sum != 3890 || got[0].Min != 10 || got[0].Max != 1000 {
		t.Errorf("one 90 s step = %+v; want Total 113, Count 13, Sum 3890, Min 10, Max 1000", got)
	}

	// Steps of whole minutes cover whole minutes: from base (30 s before
	// midnight) to base+60s, [23:59, 00:00) holds a@-10 too, and
	// [00:00, 00:01) a@60 too.
	got = mustRange(t, r, e, RangeQuery{Name: "api.latency", Tags: map[string]string{"service": "api"}, From: base, To: at(60), Step: time.Minute})
	if len(got) != 2 || !got[0].Time.Equal(at(-30)) || got[0].Count != 8 || !got[1].Time.Equal(at(30)) || got[1].Count != 7 {
		t.Errorf("1 min steps = %+v; want Count 8 at 23:59 and 7 at 00:00", got)
	}

	// Steps start at From: from base+10s, [10, 40) holds a@10, b@15, a@30,
	// b@35 (1+0+1+3 values) and [40, 70) holds a@40 (2 values; a@60 is
	// outside [From, To)).
	got = mustRange(t, r, e, RangeQuery{Name: "api.latency", Tags: map[string]string{"service": "api"}, From: at(10), To: at(60), Step: 30 * time.Second})
	if len(got) != 2 || !got[0].Time.Equal(at(10)) || got[0].Count != 5 || !got[1].Time.Equal(at(40)) || got[1].Count != 2 {
		t.Errorf("steps from base+10s = %+v; want Count 5 at +10s and Count 2 at +40s", got)
	}

	// Without the tag filter, host c's series joins in.
	got = mustRange(t, r, e, RangeQuery{Name: "api.latency", From: base, To: at(30), Step: 30 * time.Second})
	if len(got) != 1 || got[0].Count != 8 || got[0].Max != 100000 || got[0].Total != 108 {
		t.Errorf("all hosts = %+v; want Count 8, Max 100000, Total 108", got)
	}

	// Concurrent readers see the same answer (run with -race).
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			points, err := r.Range(e.ctx, q)
			if err != nil || len(points) != 2 || points[0].Count != 7 || points[0].Total != 107 || points[1].Sum != 3700 {
				t.Errorf("concurrent Range = %v, %v", points, err)
			}
		})
	}
	wg.Wait()
}

// TestRangeMergedPercentiles shows on a skewed load why quantiles come from
// merged buckets: 990 fast requests in two intervals, 10 slow ones in the
// third. Over the minute the p99 is 10 (rank 990 of 1000), while the
// average of the intervals' p99s is 340.
func TestRangeMergedPercentiles(t *testing.T) {
	t.Parallel()
	e := newRDEnv(t)
	h := e.series(t, "req.latency", "histogram", "", map[string]string{"host": "a"})
	base := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	fast := make([]int64, 990)
	for i := range fast {
		fast[i] = 10
	}
	slow := []int64{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}
	i1, i2, i3 := interval(fast[:495]...), interval(fast[495:]...), interval(slow...)
	e.point(t, h, base, i1.with(cols{"total": int64(495)}))
	e.point(t, h, base.Add(10*time.Second), i2.with(cols{"total": int64(990)}))
	e.point(t, h, base.Add(20*time.Second), i3.with(cols{"total": int64(1000)}))

	r := e.reader(t)
	got := mustRange(t, r, e, RangeQuery{SeriesID: h, From: base, To: base.Add(time.Minute), Step: time.Minute})
	if len(got) != 1 {
		t.Fatalf("got %d points, want 1", len(got))
	}
	p := got[0]
	avgP99 := (dist(fast[:495]...).Quantile(0.99) + dist(fast[495:]...).Quantile(0.99) + dist(slow...).Quantile(0.99)) / 3
	if p.P99 != 10 || avgP99 != 340 {
		t.Errorf("P99 = %v, want 10, the exact p99 of the minute (the average of the intervals' p99 is %v)", p.P99, avgP99)
	}
	p50, p75, p95, p99, p999 := quantiles(dist(fast[:495]...), dist(fast[495:]...), dist(slow...))
	if p.P50 != p50 || p.P75 != p75 || p.P95 != p95 || p.P99 != p99 || p.P999 != p999 {
		t.Errorf("quantiles %v %v %v %v %v, Distribution.Merge says %v %v %v %v %v",
			p.P50, p.P75, p.P95, p.P99, p.P999, p50, p75, p95, p99, p999)
	}
	// Rank 999 of 1000 is a slow request: 1000, within 1%.
	if p.P50 != 10 || math.Abs(p.P999-1000) > 10 {
		t.Errorf("P50 = %v, P999 = %v; want 10 and 1000 within 1%%", p.P50, p.P999)
	}
	if p.Count != 1000 || p.Sum != 9900+10000 || p.Min != 10 || p.Max != 1000 || p.Total != 1000 {
		t.Errorf("point = %+v", p)
	}
}

// TestRangeStoredPercentiles covers histograms without buckets (attached
// go-metrics registries): a step's quantile is the largest stored one, and
// when a step mixes both kinds of interval, the larger of that and of the
// merged buckets' quantile.
func TestRangeStoredPercentiles(t *testing.T) {
	t.Parallel()
	e := newRDEnv(t)
	g := e.series(t, "legacy.hist", "histogram", "", map[string]string{"host": "a"})
	v := e.series(t, "legacy.hist", "histogram", "", map[string]string{"host": "b"})
	base := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	e.point(t, g, base, cols{"total": int64(5), "count": int64(5), "sum": int64(50), "min": int64(1), "max": int64(20),
		"mean": 10.0, "stddev": 5.0, "p50": 8.0, "p75": 12.0, "p95": 18.0, "p99": 19.0, "p999": 20.0})
	e.point(t, g, base.Add(10*time.Second), cols{"total": int64(10), "count": int64(5), "sum": int64(100), "min": int64(10), "max": int64(40),
		"mean": 20.0, "stddev": 8.0, "p50": 18.0, "p75": 25.0, "p95": 38.0, "p99": 39.0, "p999": 40.0})
	e.point(t, v, base.Add(20*time.Second), interval(1000).with(cols{"total": int64(1)}))
	r := e.reader(t)

	// N = 10, mean 150/10 = 15, Σn(σ²+μ²) = 5(25+100) + 5(64+400) = 2945,
	// variance 294.5 - 225 = 69.5.
	got := mustRange(t, r, e, RangeQuery{SeriesID: g, From: base, To: base.Add(time.Minute), Step: time.Minute})
	if len(got) != 1 {
		t.Fatalf("got %d points, want 1", len(got))
	}
	checkPoint(t, "without buckets", got[0], RangePoint{
		Time: base, Total: 10, Count: 10, Sum: 150, Min: 1, Max: 40, Mean: 15, StdDev: math.Sqrt(69.5),
		P50: 18, P75: 25, P95: 38, P99: 39, P999: 40,
	})

	got = mustRange(t, r, e, RangeQuery{Name: "legacy.hist", From: base, To: base.Add(time.Minute), Step: time.Minute})
	if len(got) != 1 {
		t.Fatalf("mixed: got %d points, want 1", len(got))
	}
	if p := got[0]; p.P50 != 1000 || p.P99 != 1000 || p.P999 != 1000 || p.Count != 11 || p.Max != 1000 {
		t.Errorf("mixed = %+v; want every quantile 1000 (the merged buckets', larger than the stored ones), Count 11", p)
	}
}

// TestRangeGaugeAndCounter checks the gauge aggregates and counter totals,
// for one series and merged across two hosts.
func TestRangeGaugeAndCounter(t *testing.T) {
	t.Parallel()
	e := newRDEnv(t)
	qa := e.series(t, "queue.depth", "gauge", "", map[string]string{"host": "a"})
	qb := e.series(t, "queue.depth", "gauge", "", map[string]string{"host": "b"})
	ca := e.series(t, "jobs.done", "counter", "", map[string]string{"host": "a"})
	cb := e.series(t, "jobs.done", "counter", "", map[string]string{"host": "b"})
	base := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return base.Add(time.Duration(s) * time.Second) }
	for _, p := range []struct {
		id int64
		s  int
		v  float64
	}{{qa, 0, 5}, {qa, 10, 10}, {qa, 20, 4}, {qb, 5, 1}, {qb, 25, 2}, {qa, 30, 7}} {
		e.point(t, p.id, at(p.s), cols{"value": p.v})
	}
	// a's process restarted between 10 s and 20 s: the last total is 12.
	for _, p := range []struct {
		id    int64
		s     int
		total int64
	}{{ca, 0, 10}, {ca, 10, 15}, {ca, 20, 12}, {cb, 5, 100}} {
		e.point(t, p.id, at(p.s), cols{"total": p.total})
	}
	r := e.reader(t)

	// a: 5 10 4 (mean 19/3, min 4, max 10, last 4); b: 1 2 (mean 3/2, min 1,
	// max 2, last 2). Merged: the sum of the per-host values. In the second
	// step only a reports: 7.
	for _, tc := range []struct {
		agg          Aggregate
		a, merged    float64
		secondMerged float64
	}{
		{"", 19.0 / 3, 19.0/3 + 1.5, 7},
		{AggregateAvg, 19.0 / 3, 19.0/3 + 1.5, 7},
		{AggregateMin, 4, 4 + 1, 7},
		{AggregateMax, 10, 10 + 2, 7},
		{AggregateLast, 4, 4 + 2, 7},
	} {
		got := mustRange(t, r, e, RangeQuery{SeriesID: qa, From: base, To: at(30), Step: 30 * time.Second, Aggregate: tc.agg})
		if len(got) != 1 || !near(got[0].Value, tc.a) {
			t.Errorf("Aggregate %q, host a: %+v, want Value %v", tc.agg, got, tc.a)
		}
		got = mustRange(t, r, e, RangeQuery{Name: "queue.depth", From: base, To: at(60), Step: 30 * time.Second, Aggregate: tc.agg})
		if len(got) != 2 || !near(got[0].Value, tc.merged) || !near(got[1].Value, tc.secondMerged) {
			t.Errorf("Aggregate %q, merged: %+v, want Values %v, %v", tc.agg, got, tc.merged, tc.secondMerged)
		}
	}

	got := mustRange(t, r, e, RangeQuery{Name: "jobs.done", From: base, To: at(30), Step: 30 * time.Second})
	if len(got) != 1 {
		t.Fatalf("counter: got %d points, want 1", len(got))
	}
	checkPoint(t, "counter", got[0], RangePoint{Time: base, Total: 12 + 100})
}

// TestRangeStepZero checks that Step 0 picks a step yielding at most
// MaxPoints points, over two hours of 10 s flushes.
func TestRangeStepZero(t *testing.T) {
	t.Parallel()
	e := newRDEnv(t)
	s := e.series(t, "busy", "histogram", "", map[string]string{"host": "a"})
	base := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	_, err := e.pool.Exec(e.ctx, `INSERT INTO `+e.n.Points+` (series_id, ts, total, count, sum, min, max, mean, stddev, bucket_idx, bucket_cnt)
		SELECT $1, $2::timestamptz + i * interval '10 seconds', i + 1, 1, 7, 7, 7, 7, 0, ARRAY[$3::integer], ARRAY[1::bigint]
		FROM generate_series(0, 719) AS i`, s, base, metrics.BucketIndex(7))
	if err != nil {
		t.Fatal(err)
	}
	r := e.reader(t)
	for _, tc := range []struct {
		maxPoints int
		step      time.Duration
		points    int
	}{
		{100, 2 * time.Minute, 60},   // 2h/100 = 72 s -> 2 min
		{0, 15 * time.Second, 480},   // the default 500: 14.4 s -> 15 s
		{720, 10 * time.Second, 720}, // exactly one flush per step
		{7, 30 * time.Minute, 4},     // 2h/7 = 17.1 min -> 30 min
		{1, 2 * time.Hour, 1},
	} {
		got := mustRange(t, r, e, RangeQuery{SeriesID: s, From: base, To: base.Add(2 * time.Hour), MaxPoints: tc.maxPoints})
		maxPoints := tc.maxPoints
		if maxPoints == 0 {
			maxPoints = DefaultMaxPoints
		}
		if len(got) != tc.points || len(got) > maxPoints {
			t.Errorf("MaxPoints %d: %d points, want %d", tc.maxPoints, len(got), tc.points)
			continue
		}
		var count int64
		for i, p := range got {
			if want := base.Add(time.Duration(i) * tc.step); !p.Time.Equal(want) {
				t.Errorf("MaxPoints %d: point %d at %v, want %v", tc.maxPoints, i, p.Time, want)
				break
			}
			count += p.Count
		}
		if count != 720 || got[len(got)-1].Total != 720 || got[0].P50 != 7 {
			t.Errorf("MaxPoints %d: counts add up to %d, last total %d, P50 %v; want 720, 720, 7",
				tc.maxPoints, count, got[len(got)-1].Total, got[0].P50)
		}
	}
}

func TestRangeStepChoice(t *testing.T) {
	t.Parallel()
	const day = 24 * time.Hour
	for _, tc := range []struct {
		span      time.Duration
		maxPoints int
		want      time.Duration
	}{
		{time.Minute, 500, time.Second},
		{500 * time.Second, 500, time.Second},
		{501 * time.Second, 500, 2 * time.Second},
		{time.Hour, 500, 10 * time.Second},
		{time.Hour, 250, 15 * time.Second},
		{24 * time.Hour, 500, 5 * time.Minute},
		{7 * day, 500, 30 * time.Minute},
		{30 * day, 500, 2 * time.Hour},
		{30 * day, 10, 3 * day},
		{365 * day, 2, 183 * day},
	} {
		step := chooseStep(tc.span, tc.maxPoints)
		if step != tc.want {
			t.Errorf("chooseStep(%v, %d) = %v, want %v", tc.span, tc.maxPoints, step, tc.want)
		}
		if n := stepCount(tc.span, step); n > int64(tc.maxPoints) {
			t.Errorf("chooseStep(%v, %d) = %v: %d steps", tc.span, tc.maxPoints, step, n)
		}
	}
}

func TestRangeEmptyAndErrors(t *testing.T) {
	t.Parallel()
	e := newRDEnv(t)
	s := e.series(t, "some.timer", "timer", "ns", map[string]string{"host": "a"})
	base := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	e.point(t, s, base, interval(5).with(cols{"total": int64(1)}))
	r := e.reader(t)
	from, to := base.Add(-time.Hour), base.Add(-time.Minute)

	got, err := r.Range(e.ctx, RangeQuery{SeriesID: s, From: from, To: to})
	if err != nil || len(got) != 0 {
		t.Errorf("range without rows = %v, %v; want no points, no error", got, err)
	}
	got, err = r.Range(e.ctx, RangeQuery{SeriesID: s, From: base, To: base.Add(time.Second)})
	if err != nil || len(got) != 1 {
		t.Errorf("range [base, base+1s) = %v, %v; want 1 point", got, err)
	}

	for _, tc := range []struct {
		name string
		q    RangeQuery
		is   error
		want string
	}{
		{"no series id", RangeQuery{SeriesID: 12345, From: from, To: to}, ErrNoSeries, "no such series: id 12345 in schema"},
		{"no series name", RangeQuery{Name: "nope", From: from, To: to}, ErrNoSeries, `no such series: name "nope" in schema`},
		{"no tag match", RangeQuery{Name: "some.timer", Tags: map[string]string{"host": "z"}, From: from, To: to}, ErrNoSeries, `name "some.timer" with tags map[host:z]`},
		{"nothing selected", RangeQuery{From: from, To: to}, ErrInvalidQuery, "SeriesID or Name is required"},
		{"both selected", RangeQuery{SeriesID: s, Name: "some.timer", From: from, To: to}, ErrInvalidQuery, "not both"},
		{"tags with id", RangeQuery{SeriesID: s, Tags: map[string]string{"host": "a"}, From: from, To: to}, ErrInvalidQuery, "Tags"},
		{"From == To", RangeQuery{SeriesID: s, From: to, To: to}, ErrInvalidQuery, "is not before To"},
		{"From > To", RangeQuery{SeriesID: s, From: to, To: from}, ErrInvalidQuery, "is not before To"},
		{"no From", RangeQuery{SeriesID: s, To: to}, ErrInvalidQuery, "From and To are required"},
		{"bad Aggregate", RangeQuery{SeriesID: s, From: from, To: to, Aggregate: "median"}, ErrInvalidQuery, `Aggregate "median"`},
		{"upper-case Aggregate", RangeQuery{SeriesID: s, From: from, To: to, Aggregate: "AVG"}, ErrInvalidQuery, `Aggregate "AVG"`},
		{"negative Step", RangeQuery{SeriesID: s, From: from, To: to, Step: -time.Second}, ErrInvalidQuery, "Step is negative"},
		{"sub-µs Step", RangeQuery{SeriesID: s, From: from, To: to, Step: 1500 * time.Nanosecond}, ErrInvalidQuery, "microseconds"},
		{"negative MaxPoints", RangeQuery{SeriesID: s, From: from, To: to, MaxPoints: -1}, ErrInvalidQuery, "MaxPoints is negative"},
		{"Step over MaxPoints", RangeQuery{SeriesID: s, From: from, To: to, Step: time.Second}, ErrInvalidQuery, "3540 points"},
	} {
		_, err := r.Range(e.ctx, tc.q)
		if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v; want one wrapping %v and containing %q", tc.name, err, tc.is, tc.want)
		}
	}
}
