package postgres

import (
	"context"
	"maps"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/internal/pgschema"
	"github.com/vitals-go/vitals/metrics"
)

// rollupTester is an Exporter whose own maintenance is stopped, and a
// rollups of its schema, both on a clock that the test sets (which starts
// at the time of newRollupTester): the maintenance's, and the Exporter's
// when it decides whether a snapshot is late (see rollup_mark.go).
type rollupTester struct {
	e    *Exporter
	pool *pgxpool.Pool
	n    pgschema.Names
	r    *rollups
	now  atomic.Int64 // the clock of r, in Unix nanoseconds
}

func newRollupTester(t *testing.T) *rollupTester {
	t.Helper()
	e, pool := xpNew(t, Config{MaintenanceInterval: time.Hour, CompactAfter: -1}) // tests compact when they choose
	rt := &rollupTester{e: e, pool: pool, n: e.n}
	rt.setNow(time.Now())
	e.stopMaintenance()
	<-e.maintenanceDone // Shutdown, at the cleanup, finds it done
	e.rollups.clock = rt.clock
	rt.r = rt.rollups(pool)
	return rt
}

// clock is the time the test set.
func (rt *rollupTester) clock() time.Time { return time.Unix(0, rt.now.Load()) }

// rollups returns a rollups of the schema on pool (another process, when
// pool is another pool), on rt's clock, checking for late points at every
// run.
func (rt *rollupTester) rollups(pool *pgxpool.Pool) *rollups {
	r := newRollups(pool, rt.n, rt.e.cfg)
	r.every = 0
	r.log = rt.e.log
	r.clock = rt.clock
	return r
}

// maintain runs the rollup maintenance at now.
func (rt *rollupTester) maintain(t *testing.T, now time.Time) {
	t.Helper()
	rt.setNow(now)
	if err := rt.r.maintain(xpCtx(t)); err != nil {
		t.Fatalf("rollup maintenance at %v: %v", now, err)
	}
}

// metricsSnapshot is a snapshot of series at ts, from host h1.
func metricsSnapshot(ts time.Time, series []metrics.Series) metrics.Snapshot {
	return metrics.Snapshot{Time: ts, DefaultTags: []metrics.Tag{{Key: "host", Value: "h1"}}, Series: series}
}

// setNow sets the clock of the rollups.
func (rt *rollupTester) setNow(now time.Time) { rt.now.Store(now.UnixNano()) }

// export writes one snapshot.
func (rt *rollupTester) export(t *testing.T, ts time.Time, series ...metrics.Series) {
	t.Helper()
	if err := rt.e.Export(xpCtx(t), metricsSnapshot(ts, series)); err != nil {
		t.Fatalf("Export at %v: %v", ts, err)
	}
}

// state returns the rollup state: the minutes and hours covered.
func (rt *rollupTester) state(t *testing.T) (m, h span) {
	t.Helper()
	tx, err := rt.pool.Begin(xpCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	st, err := readRollupState(xpCtx(t), tx, rt.n)
	if err != nil {
		t.Fatal(err)
	}
	return st.m, st.h
}

// marked returns the minutes marked in vitals_rollup_dirty, ascending.
func (rt *rollupTester) marked(t testing.TB) []time.Time {
	t.Helper()
	rows, err := rt.pool.Query(xpCtx(t), "SELECT minute FROM "+rollupDirtyName(rt.n)+" ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	marked, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		t.Fatal(err)
	}
	return marked
}

// distOf returns the distribution of values, as a histogram records them.
func distOf(values ...int64) metrics.Distribution {
	var d metrics.Distribution
	counts := map[int32]uint64{}
	for i, v := range values {
		if i == 0 || v < d.Min {
			d.Min = v
		}
		if i == 0 || v > d.Max {
			d.Max = v
		}
		d.Count++
		d.Sum += v
		counts[metrics.BucketIndex(v)]++
	}
	idx := make([]int32, 0, len(counts))
	for i := range counts {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	for _, i := range idx {
		d.Buckets = append(d.Buckets, metrics.Bucket{Index: i, Count: counts[i]})
	}
	return d
}

// summaryOf returns the Summary of an interval that recorded d.
func summaryOf(d metrics.Distribution) metrics.Summary {
	if d.Count == 0 {
		return metrics.Summary{}
	}
	return metrics.Summary{
		Count: d.Count, Sum: d.Sum, Min: d.Min, Max: d.Max, Mean: d.Mean(), StdDev: d.StdDev(),
		P50: d.Quantile(0.5), P75: d.Quantile(0.75), P95: d.Quantile(0.95), P99: d.Quantile(0.99), P999: d.Quantile(0.999),
		Buckets: d.Buckets,
	}
}

// mixSeries returns the series of a snapshot of the test mix at flush i: a
// timer (idle every 11th flush), a counter (its process restarts at flush
// 200), a gauge, a meter and a histogram without buckets, as an attached
// go-metrics registry exports it.
func mixSeries(i int) []metrics.Series {
	var vals []int64
	for k := range 1 + i%5 {
		vals = append(vals, int64(1000*(1+(i+k)%7)+37*k))
	}
	if i%17 == 0 {
		vals = append(vals, 250000+int64(i))
	}
	if i%11 == 0 {
		vals = nil
	}
	total := int64(3 * i)
	if i >= 200 {
		total = int64(i - 200)
	}
	legacy := metrics.Summary{Count: 4, Sum: 40 + int64(i), Min: 1, Max: 30 + int64(i%9), Mean: 10, StdDev: 2,
		P50: float64(8 + i%6), P75: 12, P95: 20, P99: float64(25 + i%9), P999: 30}
	if i%13 == 0 {
		legacy = metrics.Summary{}
	}
	rates := metrics.Rates{Rate1: float64(i%10) / 3, Rate5: 1.5, Rate15: float64(i%4) + 0.25, Mean: 2}
	return []metrics.Series{
		{Name: "rq.latency", Kind: metrics.KindTimer, Unit: "ns", Count: int64(10 * i), Rates: rates, Summary: summaryOf(distOf(vals...))},
		{Name: "jobs.done", Kind: metrics.KindCounter, Count: total},
		{Name: "queue.depth", Kind: metrics.KindGauge, Value: float64(i%13)*1.5 - 4},
		{Name: "bytes.in", Kind: metrics.KindMeter, Count: int64(100 * i), Rates: rates},
		{Name: "legacy.hist", Kind: metrics.KindHistogram, Count: int64(4 * i), Summary: legacy},
	}
}

// rawRow is a row of vitals_points with its series name.
type rawRow struct {
	name                           string
	ts                             time.Time
	total, count, sum, min, max    *int64
	value, mean, stddev            *float64
	p                              [5]*float64
	rate1, rate5, rate15, rateMean *float64
	idx                            []int32
	cnt                            []int64
}

// rollRow is a row of a rollup table with its series name.
type rollRow struct {
	name                                               string
	ts                                                 time.Time
	total, count, sum, min, max, bucketMin, bucketMax  *int64
	sqDev, sqMean, value, valueSum, valueMin, valueMax *float64
	rate1, rate5, rate15, rateMean                     *float64
	noBucket                                           [5]*float64
	points, valueCount, ratePoints                     int32
	idx                                                []int32
	cnt                                                []int64
	packed                                             []byte // the buckets column
}

// rawRows reads every point of the schema, raw or compacted, by series
// name and time.
func (rt *rollupTester) rawRows(t *testing.T) []rawRow {
	t.Helper()
	rows, err := rt.pool.Query(xpCtx(t), `SELECT s.name, p.ts, p.total, p.count, p.sum, p.min, p.max, p.value, p.mean, p.stddev,
		p.p50, p.p75, p.p95, p.p99, p.p999, p.rate1, p.rate5, p.rate15, p.rate_mean, p.bucket_idx, p.bucket_cnt
		FROM `+rt.n.PointsAll+` p JOIN `+rt.n.Series+` s ON s.id = p.series_id ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	var out []rawRow
	var r rawRow
	_, err = pgx.ForEachRow(rows, []any{&r.name, &r.ts, &r.total, &r.count, &r.sum, &r.min, &r.max, &r.value, &r.mean, &r.stddev,
		&r.p[0], &r.p[1], &r.p[2], &r.p[3], &r.p[4], &r.rate1, &r.rate5, &r.rate15, &r.rateMean, &r.idx, &r.cnt}, func() error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rollRows reads a rollup table, by series name and time.
func (rt *rollupTester) rollRows(t *testing.T, table string) []rollRow {
	t.Helper()
	rows, err := rt.pool.Query(xpCtx(t), `SELECT s.name, r.ts, r.total, r.count, r.sum, r.min, r.max, r.bucket_min, r.bucket_max,
		r.sum_sq_dev, r.sum_sq_mean, r.value, r.value_sum, r.value_min, r.value_max, r.rate1, r.rate5, r.rate15, r.rate_mean,
		r.nobucket_p50, r.nobucket_p75, r.nobucket_p95, r.nobucket_p99, r.nobucket_p999, r.points, r.value_count, r.rate_points,
		r.bucket_idx, r.bucket_cnt, r.buckets
		FROM `+table+` r JOIN `+rt.n.Series+` s ON s.id = r.series_id ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	var out []rollRow
	var r rollRow
	_, err = pgx.ForEachRow(rows, []any{&r.name, &r.ts, &r.total, &r.count, &r.sum, &r.min, &r.max, &r.bucketMin, &r.bucketMax,
		&r.sqDev, &r.sqMean, &r.value, &r.valueSum, &r.valueMin, &r.valueMax, &r.rate1, &r.rate5, &r.rate15, &r.rateMean,
		&r.noBucket[0], &r.noBucket[1], &r.noBucket[2], &r.noBucket[3], &r.noBucket[4], &r.points, &r.valueCount, &r.ratePoints,
		&r.idx, &r.cnt, &r.packed}, func() error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// expectRollup merges raw rows, in Go, into the rows of a rollup of
// intervals of width (a minute or an hour) within [from, to): the
// reference that the SQL of the rollups must match.
func expectRollup(raw []rawRow, width time.Duration, from, to time.Time) []rollRow {
	var out []rollRow
	var sums map[int32]int64
	var rates [4]float64
	flush := func() {
		if len(out) == 0 {
			return
		}
		r := &out[len(out)-1]
		r.idx, r.cnt = nil, nil
		for _, i := range slices.Sorted(maps.Keys(sums)) {
			r.idx = append(r.idx, i)
			r.cnt = append(r.cnt, sums[i])
		}
		if r.ratePoints > 0 {
			n := float64(r.ratePoints)
			r.rate1, r.rate5, r.rate15, r.rateMean = ptr(rates[0]/n), ptr(rates[1]/n), ptr(rates[2]/n), ptr(rates[3]/n)
		}
	}
	for _, p := range raw {
		if p.ts.Before(from) || !p.ts.Before(to) {
			continue
		}
		ts := p.ts.Truncate(width)
		if len(out) == 0 || out[len(out)-1].name != p.name || !out[len(out)-1].ts.Equal(ts) {
			flush()
			out = append(out, rollRow{name: p.name, ts: ts})
			sums, rates = map[int32]int64{}, [4]float64{}
		}
		r := &out[len(out)-1]
		r.points++
		if p.total != nil {
			r.total = p.total
		}
		r.count, r.sum = addOpt(r.count, p.count), addOpt(r.sum, p.sum)
		r.min, r.max = minOpt(r.min, p.min), maxOpt(r.max, p.max)
		if len(p.idx) > 0 {
			r.bucketMin, r.bucketMax = minOpt(r.bucketMin, p.min), maxOpt(r.bucketMax, p.max)
			for k, i := range p.idx {
				sums[i] += p.cnt[k]
			}
		} else {
			for k := range p.p {
				r.noBucket[k] = maxOpt(r.noBucket[k], p.p[k])
			}
		}
		if p.count != nil && p.stddev != nil {
			r.sqDev = addOpt(r.sqDev, ptr(float64(*p.count)**p.stddev**p.stddev))
			r.sqMean = addOpt(r.sqMean, ptr(float64(*p.count)**p.mean**p.mean))
		}
		if p.value != nil {
			r.value, r.valueSum = p.value, addOpt(r.valueSum, p.value)
			r.valueMin, r.valueMax = minOpt(r.valueMin, p.value), maxOpt(r.valueMax, p.value)
			r.valueCount++
		}
		if p.rate1 != nil {
			r.ratePoints++
			rates[0] += *p.rate1
			rates[1] += *p.rate5
			rates[2] += *p.rate15
			rates[3] += *p.rateMean
		}
	}
	flush()
	return out
}

// checkRollRows compares rollup rows with the expected ones: integers and
// buckets exactly, floats within 1e-9 (relative).
func checkRollRows(t *testing.T, label string, got, want []rollRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d", label, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		g, w := got[i], want[i]
		at := func() string { return label + " " + w.name + " " + w.ts.UTC().Format(time.TimeOnly) }
		if g.name != w.name || !g.ts.Equal(w.ts) {
			t.Errorf("%s: row %d is %s %v", at(), i, g.name, g.ts.UTC())
			return
		}
		ints := [][2]*int64{{g.total, w.total}, {g.count, w.count}, {g.sum, w.sum}, {g.min, w.min}, {g.max, w.max},
			{g.bucketMin, w.bucketMin}, {g.bucketMax, w.bucketMax}}
		for k, v := range ints {
			if (v[0] == nil) != (v[1] == nil) || v[0] != nil && *v[0] != *v[1] {
				t.Errorf("%s: int column %d = %s, want %s", at(), k, fmtInt(v[0]), fmtInt(v[1]))
			}
		}
		floats := [][2]*float64{{g.sqDev, w.sqDev}, {g.sqMean, w.sqMean}, {g.value, w.value}, {g.valueSum, w.valueSum},
			{g.valueMin, w.valueMin}, {g.valueMax, w.valueMax}, {g.rate1, w.rate1}, {g.rate5, w.rate5}, {g.rate15, w.rate15},
			{g.rateMean, w.rateMean}, {g.noBucket[0], w.noBucket[0]}, {g.noBucket[1], w.noBucket[1]}, {g.noBucket[2], w.noBucket[2]},
			{g.noBucket[3], w.noBucket[3]}, {g.noBucket[4], w.noBucket[4]}}
		for k, v := range floats {
			if (v[0] == nil) != (v[1] == nil) || v[0] != nil && math.Abs(*v[0]-*v[1]) > 1e-9*math.Max(1, math.Abs(*v[1])) {
				t.Errorf("%s: float column %d = %s, want %s", at(), k, fmtFloat(v[0]), fmtFloat(v[1]))
			}
		}
		if g.points != w.points || g.valueCount != w.valueCount || g.ratePoints != w.ratePoints {
			t.Errorf("%s: points %d, value_count %d, rate_points %d; want %d, %d, %d", at(),
				g.points, g.valueCount, g.ratePoints, w.points, w.valueCount, w.ratePoints)
		}
		if !slices.Equal(g.idx, w.idx) || !slices.Equal(g.cnt, w.cnt) {
			t.Errorf("%s: buckets %v %v, want %v %v", at(), g.idx, g.cnt, w.idx, w.cnt)
		}
		var idx []int32
		var cnt []int64
		err := pgschema.ForEachPackedBucket(g.packed, func(i int32, c int64) { idx, cnt = append(idx, i), append(cnt, c) })
		if huge := slices.ContainsFunc(g.cnt, func(c int64) bool { return c > math.MaxInt32 }); huge && g.packed != nil ||
			!huge && (err != nil || !slices.Equal(idx, g.idx) || !slices.Equal(cnt, g.cnt)) {
			t.Errorf("%s: packed buckets %v %v (%v), arrays %v %v", at(), idx, cnt, err, g.idx, g.cnt)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// addOpt, minOpt and maxOpt combine two optional values as SQL's sum, min
// and max do: NULL (nil) is left out.
func addOpt[T int64 | float64](a, b *T) *T {
	switch {
	case b == nil:
		return a
	case a == nil:
		return ptr(*b)
	}
	return ptr(*a + *b)
}

func minOpt[T int64 | float64](a, b *T) *T {
	if b == nil || a != nil && *a <= *b {
		return a
	}
	return ptr(*b)
}

func maxOpt[T int64 | float64](a, b *T) *T {
	if b == nil || a != nil && *a >= *b {
		return a
	}
	return ptr(*b)
}

func fmtInt(v *int64) string {
	if v == nil {
		return "NULL"
	}
	return strconv.FormatInt(*v, 10)
}

func fmtFloat(v *float64) string {
	if v == nil {
		return "NULL"
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

// maintainConcurrently runs the maintenance of n processes (each its own
// pool) in a loop, one minute per step so that they interleave, until the
// returned function is called; it waits for them and reports their errors.
func (rt *rollupTester) maintainConcurrently(t *testing.T, n int) (stop func()) {
	t.Helper()
	var procs []*rollups
	for range n {
		pool, err := pgxpool.New(xpCtx(t), rt.e.cfg.URL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		p := rt.rollups(pool)
		p.chunk = rollupMinChunk
		procs = append(procs, p)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, p := range procs {
		wg.Go(func() {
			for {
				if err := p.maintain(xpCtx(t)); err != nil {
					errs <- err
					return
				}
				select {
				case <-done:
					return
				default:
				}
			}
		})
	}
	return func() {
		close(done)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("maintenance: %v", err)
		}
	}
}
