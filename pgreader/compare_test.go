package pgreader

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/compare"
	"github.com/vitals-go/vitals/metrics"
)

// release inserts a vitals_releases row.
func (e *rdEnv) release(t *testing.T, service, version, host string, pid int, started time.Time) {
	t.Helper()
	_, err := e.pool.Exec(e.ctx, "INSERT INTO "+e.n.Releases+" (service, version, host, pid, started_at) VALUES ($1, $2, $3, $4, $5)",
		service, version, host, pid, started)
	if err != nil {
		t.Fatalf("insert release %s %s: %v", service, version, err)
	}
}

// cmpBase is where the releases of the compare tests start: v1 at cmpBase,
// v2 an hour later, v3 two hours later, each 6 flushes 10 s apart.
var cmpBase = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

const cmpFlushes = 6

// cmpValues returns the values recorded by host ("a" or "b") for stage
// ("plan" or "exec") in interval i of a release whose latencies are those
// of v1 times factor, plus jitter when jitter is true. Per interval and
// stage: host a records 60 values near 1000 and 5 of 5000, host b 30 near
// 2000 and 5 of 8000; exec is three times plan. The values near 1000 and
// 2000 move by 1% to 2% from one interval to the next: the noise.
func cmpValues(host, stage string, i int, factor int64, jitter bool) []int64 {
	var out []int64
	add := func(n int, v int64) {
		for k := range n {
			if stage == "exec" {
				v3 := v * 3
				out = append(out, jit(v3*factor, jitter, i+k))
				continue
			}
			out = append(out, jit(v*factor, jitter, i+k))
		}
	}
	if host == "a" {
		add(60, 1000+10*int64(i%3))
		add(5, 5000)
	} else {
		add(30, 2000+20*int64(i%2))
		add(5, 8000)
	}
	return out
}

// jit adds a jitter of at most 0.3% to v, when on.
func jit(v int64, on bool, k int) int64 {
	if !on {
		return v
	}
	return v + v*int64(k%4)/1000
}

// cmpRelease writes the timer "stage.latency" of service api for version
// (hosts a and b, stages plan and exec, cmpFlushes flushes from start) and
// its vitals_releases rows, of processes that started one flush interval
// before start (their last exports not recorded, as by an older exporter:
// Compare ends their runs at their last points); it returns every value
// written, by stage.
func (e *rdEnv) cmpRelease(t *testing.T, version string, start time.Time, factor int64, jitter bool) map[string][]int64 {
	t.Helper()
	all := map[string][]int64{}
	for _, host := range []string{"a", "b"} {
		e.release(t, "api", version, host, 100, start.Add(-10*time.Second))
		for _, stage := range []string{"plan", "exec"} {
			id := e.series(t, "stage.latency", "timer", "ns",
				map[string]string{"host": host, "service": "api", "version": version, "stage": stage})
			var total int64
			for i := range cmpFlushes {
				vs := cmpValues(host, stage, i, factor, jitter)
				total += int64(len(vs))
				e.point(t, id, start.Add(time.Duration(i)*10*time.Second), interval(vs...).with(cols{"total": total}))
				all[stage] = append(all[stage], vs...)
			}
		}
	}
	return all
}

// cmpEnv writes v1, v2 (v1 doubled) and v3 (v2 with jitter), a series of
// another service, and returns the values of each release by stage.
func cmpEnv(t *testing.T) (*rdEnv, map[string]map[string][]int64) {
	t.Helper()
	e := newRDEnv(t)
	vals := map[string]map[string][]int64{
		"v1": e.cmpRelease(t, "v1", cmpBase, 1, false),
		"v2": e.cmpRelease(t, "v2", cmpBase.Add(time.Hour), 2, false),
		"v3": e.cmpRelease(t, "v3", cmpBase.Add(2*time.Hour), 2, true),
	}
	// v1 restarted on host a: a second process, same release.
	e.release(t, "api", "v1", "a", 101, cmpBase.Add(30*time.Second))
	// Another service, same metric and versions: never compared.
	other := e.series(t, "stage.latency", "timer", "ns", map[string]string{"host": "a", "service": "other", "version": "v1", "stage": "plan"})
	e.point(t, other, cmpBase, interval(1, 1, 1).with(cols{"total": int64(3)}))
	e.release(t, "other", "v1", "a", 7, cmpBase)
	return e, vals
}

func mustCompare(t *testing.T, r *Reader, e *rdEnv, q compare.Query) *compare.Comparison {
	t.Helper()
	c, err := r.Compare(e.ctx, q)
	if err != nil {
		t.Fatalf("Compare(%+v): %v", q, err)
	}
	return c
}

// checkStats compares st with the merged distribution of values, over
// cmpFlushes flushes from start.
func checkStats(t *testing.T, label string, st compare.Stats, values []int64, start time.Time) {
	t.Helper()
	d := dist(values...)
	end := start.Add((cmpFlushes - 1) * 10 * time.Second)
	if st.Intervals != cmpFlushes || st.Count != d.Count || !st.Start.Equal(start) || !st.End.Equal(end) {
		t.Errorf("%s: Intervals %d, Count %d, Start %v, End %v; want %d, %d, %v, %v",
			label, st.Intervals, st.Count, st.Start, st.End, cmpFlushes, d.Count, start, end)
	}
	if want := float64(d.Count) / 60; !near(st.Rate, want) { // from 10 s before the first flush to the last
		t.Errorf("%s: Rate %v, want %v", label, st.Rate, want)
	}
	if !near(st.Mean, d.Mean()) || st.Max != d.Max {
		t.Errorf("%s: Mean %v, Max %d; want %v, %d", label, st.Mean, st.Max, d.Mean(), d.Max)
	}
	got := [4]float64{st.P50, st.P95, st.P99, st.P999}
	want := [4]float64{d.Quantile(0.5), d.Quantile(0.95), d.Quantile(0.99), d.Quantile(0.999)}
	if got != want {
		t.Errorf("%s: quantiles %v; the merged distribution's are %v", label, got, want)
	}
	if st.Dist.Count != d.Count || st.Dist.Sum != d.Sum || st.Dist.Min != d.Min || st.Dist.Max != d.Max ||
		len(st.Dist.Buckets) != len(d.Buckets) {
		t.Errorf("%s: Dist %+v, want %+v", label, st.Dist, d)
	}
}

func concat(parts ...[]int64) []int64 {
	var out []int64
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// TestCompareReleases compares v1 with v2 (every latency doubled), merged
// and per series, by release and by window, and v2 with v3 (v2 plus a
// jitter well within the interval-to-interval noise) with omitted sides.
func TestCompareReleases(t *testing.T) {
	t.Parallel()
	e, vals := cmpEnv(t)
	r := e.reader(t)

	rels, err := r.Releases(e.ctx, "api")
	if err != nil {
		t.Fatal(err)
	}
	if len(rels) != 3 {
		t.Fatalf("Releases = %+v, want v1, v2, v3", rels)
	}
	for i, want := range []Release{
		{Service: "api", Version: "v1", FirstStart: cmpBase.Add(-10 * time.Second), LastStart: cmpBase.Add(30 * time.Second), Hosts: 2},
		{Service: "api", Version: "v2", FirstStart: cmpBase.Add(time.Hour - 10*time.Second), LastStart: cmpBase.Add(time.Hour - 10*time.Second), Hosts: 2},
		{Service: "api", Version: "v3", FirstStart: cmpBase.Add(2*time.Hour - 10*time.Second), LastStart: cmpBase.Add(2*time.Hour - 10*time.Second), Hosts: 2},
	} {
		got := rels[i]
		if got.Service != want.Service || got.Version != want.Version || !got.FirstStart.Equal(want.FirstStart) ||
			!got.LastStart.Equal(want.LastStart) || got.Hosts != want.Hosts {
			t.Errorf("Releases[%d] = %+v, want %+v", i, got, want)
		}
	}

	// Merged: one line, both hosts and both stages.
	c := mustCompare(t, r, e, compare.Query{Service: "api", Metric: "stage.latency",
		Before: compare.Side{Release: "v1"}, After: compare.Side{Release: "v2"}})
	if c.Unit != time.Nanosecond || len(c.Series) != 1 || len(c.Series[0].Tags) != 0 {
		t.Fatalf("Compare v1 v2: Unit %v, %d lines (%+v); want 1ns, one line without tags", c.Unit, len(c.Series), c.Series)
	}
	line := c.Series[0]
	checkStats(t, "v1", line.Before, concat(vals["v1"]["plan"], vals["v1"]["exec"]), cmpBase)
	checkStats(t, "v2", line.After, concat(vals["v2"]["plan"], vals["v2"]["exec"]), cmpBase.Add(time.Hour))
	if p := line.Changes["p50"]; math.Abs(line.After.P50/line.Before.P50-2) > 0.02 || math.Abs(p.Rel-1) > 0.02 || !p.Significant {
		t.Errorf("p50 %v -> %v, change %+v; want doubled, Rel about 1, significant", line.Before.P50, line.After.P50, p)
	}
	for _, f := range []compare.Field{compare.FieldMean, compare.FieldP50, compare.FieldP95, compare.FieldP99, compare.FieldP999, compare.FieldMax} {
		if ch := line.Changes[f]; math.Abs(ch.Rel-1) > 0.02 || !ch.Significant {
			t.Errorf("%s: %+v, want Rel about 1, significant", f, ch)
		}
	}
	for _, f := range []compare.Field{compare.FieldCount, compare.FieldRate} {
		if ch := line.Changes[f]; ch.Abs != 0 || ch.Rel != 0 || ch.Significant {
			t.Errorf("%s: %+v, want no change", f, ch)
		}
	}
	if len(line.Changes) != 8 {
		t.Errorf("Changes has %d keys, want 8: %v", len(line.Changes), line.Changes)
	}
	// Resolved to the runs: from the first start to the last point.
	if q := c.Query; q.Before.Release != "v1" || !q.Before.From.Equal(cmpBase.Add(-10*time.Second)) ||
		!q.Before.To.Equal(cmpBase.Add(50*time.Second)) || q.After.Release != "v2" || !q.After.From.Equal(cmpBase.Add(time.Hour-10*time.Second)) ||
		c.Before.Duration != time.Minute || len(c.Before.Hosts) != 2 {
		t.Errorf("resolved query %+v, before %+v", q, c.Before)
	}

	// Per series: one line per stage, hosts merged.
	c = mustCompare(t, r, e, compare.Query{Service: "api", Metric: "stage.latency", PerSeries: true,
		Before: compare.Side{Release: "v1"}, After: compare.Side{Release: "v2"}})
	if len(c.Series) != 2 || c.Series[0].Tags["stage"] != "exec" || c.Series[1].Tags["stage"] != "plan" ||
		len(c.Series[0].Tags) != 1 || len(c.Series[1].Tags) != 1 {
		t.Fatalf("per series: %d lines %+v; want stage=exec, stage=plan", len(c.Series), c.Series)
	}
	for _, l := range c.Series {
		stage := l.Tags["stage"]
		checkStats(t, "v1 "+stage, l.Before, vals["v1"][stage], cmpBase)
		checkStats(t, "v2 "+stage, l.After, vals["v2"][stage], cmpBase.Add(time.Hour))
		if ch := l.Changes["p99"]; math.Abs(ch.Rel-1) > 0.02 || !ch.Significant {
			t.Errorf("%s p99: %+v, want doubled, significant", stage, ch)
		}
	}
	// The plan stage alone, by tag filter: p50 near 1020, then 2040.
	c = mustCompare(t, r, e, compare.Query{Service: "api", Metric: "stage.latency", Tags: metrics.Tags{"stage": "plan"},
		Before: compare.Side{Release: "v1"}, After: compare.Side{Release: "v2"}})
	if l := c.Series[0]; math.Abs(l.Before.P50/1020-1) > 0.02 || math.Abs(l.After.P50/2040-1) > 0.02 {
		t.Errorf("plan: p50 %v -> %v, want about 1020 -> 2040 (rank 300 of 600 is in the third 120 of the values near 1000)", l.Before.P50, l.After.P50)
	}

	// Windows instead of releases: the same data, so the same numbers.
	w := mustCompare(t, r, e, compare.Query{Service: "api", Metric: "stage.latency",
		Before: compare.Side{From: cmpBase, To: cmpBase.Add(time.Minute)},
		After:  compare.Side{From: cmpBase.Add(time.Hour), To: cmpBase.Add(time.Hour + time.Minute)}})
	if len(w.Series) != 1 {
		t.Fatalf("windows: %d lines", len(w.Series))
	}
	checkStats(t, "window 1", w.Series[0].Before, concat(vals["v1"]["plan"], vals["v1"]["exec"]), cmpBase)
	checkStats(t, "window 2", w.Series[0].After, concat(vals["v2"]["plan"], vals["v2"]["exec"]), cmpBase.Add(time.Hour))
	if w.Series[0].Changes["p50"] != line.Changes["p50"] || !w.Query.Before.From.Equal(cmpBase) || w.Query.Before.Release != "" {
		t.Errorf("windows: p50 %+v, query %+v; want %+v as by release", w.Series[0].Changes["p50"], w.Query, line.Changes["p50"])
	}
	// A window that cuts the release: its first 3 flushes only.
	w = mustCompare(t, r, e, compare.Query{Service: "api", Metric: "stage.latency",
		Before: compare.Side{From: cmpBase, To: cmpBase.Add(30 * time.Second)}, After: compare.Side{Release: "v2"}})
	if b := w.Series[0].Before; b.Intervals != 3 || b.Count != 3*200 || !b.End.Equal(cmpBase.Add(20*time.Second)) {
		t.Errorf("half window: %+v, want 3 intervals of 200 values", b)
	}

	// Omitted sides: the last two releases, v2 and v3; v3 differs from v2
	// by a jitter of at most 0.3%, within the noise.
	c = mustCompare(t, r, e, compare.Query{Service: "api", Metric: "stage.latency"})
	if c.Query.Before.Release != "v2" || c.Query.After.Release != "v3" || len(c.Series) != 1 {
		t.Fatalf("omitted sides resolved to %+v, %d lines; want v2, v3", c.Query, len(c.Series))
	}
	checkStats(t, "v3", c.Series[0].After, concat(vals["v3"]["plan"], vals["v3"]["exec"]), cmpBase.Add(2*time.Hour))
	for f, ch := range c.Series[0].Changes {
		if ch.Significant || math.Abs(ch.Rel) > 0.01 {
			t.Errorf("v2 -> v3 %s: %+v (%v -> %v), want a change under 1%%, not significant", f, ch,
				c.Series[0].Before.Value(f), c.Series[0].After.Value(f))
		}
	}
}

// TestCompareMergedPercentiles extends TestRangeMergedPercentiles to
// Compare, across hosts and intervals: host a records 990 fast requests in
// two intervals, host b 10 slow ones in a third. The p99 of the release is
// 10 (rank 990 of 1000); the average of the three stored p99s is 340, and
// the average of the per-interval p99s (hosts merged per ts) is too.
func TestCompareMergedPercentiles(t *testing.T) {
	t.Parallel()
	e := newRDEnv(t)
	fast := make([]int64, 495)
	for i := range fast {
		fast[i] = 10
	}
	slow := []int64{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}
	var stored []float64
	for vi, version := range []string{"v1", "v2"} {
		start := cmpBase.Add(time.Duration(vi) * time.Hour)
		a := e.series(t, "req.latency", "histogram", "", map[string]string{"host": "a", "service": "web", "version": version})
		b := e.series(t, "req.latency", "histogram", "", map[string]string{"host": "b", "service": "web", "version": version})
		for _, p := range []struct {
			id     int64
			at     time.Duration
			values []int64
		}{{a, 0, fast}, {a, 10 * time.Second, fast}, {b, 20 * time.Second, slow}} {
			e.point(t, p.id, start.Add(p.at), interval(p.values...))
			if vi == 0 {
				stored = append(stored, dist(p.values...).Quantile(0.99))
			}
		}
		e.release(t, "web", version, "a", 1, start)
	}
	r := e.reader(t)
	c := mustCompare(t, r, e, compare.Query{Service: "web", Metric: "req.latency"})
	st := c.Series[0].Before
	avg := (stored[0] + stored[1] + stored[2]) / 3
	if st.P99 != 10 || avg != 340 {
		t.Errorf("P99 = %v, want 10, the p99 of the merged buckets (the average of the intervals' p99s is %v)", st.P99, avg)
	}
	d := dist(fast...).Merge(dist(fast...)).Merge(dist(slow...))
	if st.P50 != d.Quantile(0.5) || st.P99 != d.Quantile(0.99) || st.P999 != d.Quantile(0.999) || math.Abs(st.P999-1000) > 10 {
		t.Errorf("quantiles %v %v %v, Distribution.Merge says %v %v %v (p999 about 1000)",
			st.P50, st.P99, st.P999, d.Quantile(0.5), d.Quantile(0.99), d.Quantile(0.999))
	}
	// The per-interval p99s, the noise of the p99, are those stored.
	if st.Dist.Count != 1000 || st.Max != 1000 || st.Intervals != 3 {
		t.Errorf("Before = %+v", st)
	}
}

// TestCompareCounter compares the events of a counter between releases,
// with a restart.
func TestCompareCounter(t *testing.T) {
	t.Parallel()
	e := newRDEnv(t)
	for vi, version := range []string{"v1", "v2"} {
		start := cmpBase.Add(time.Duration(vi) * time.Hour)
		a := e.series(t, "jobs.done", "counter", "", map[string]string{"host": "a", "service": "q", "version": version})
		b := e.series(t, "jobs.done", "counter", "", map[string]string{"host": "b", "service": "q", "version": version})
		m := int64(vi + 1)
		// a: 10, 20, 30 -> 30 events; b: 5, 15, restart, 3 -> 18 events.
		for i, tot := range []int64{10, 20, 30} {
			e.point(t, a, start.Add(time.Duration(i)*10*time.Second), cols{"total": tot * m})
		}
		for i, tot := range []int64{5, 15, 3} {
			e.point(t, b, start.Add(time.Duration(i)*10*time.Second), cols{"total": tot * m})
		}
		e.release(t, "q", version, "a", 1, start.Add(-10*time.Second))
	}
	r := e.reader(t)
	c := mustCompare(t, r, e, compare.Query{Service: "q", Metric: "jobs.done"})
	l := c.Series[0]
	if l.Before.Count != 48 || l.After.Count != 96 || !near(l.Before.Rate, 48.0/30) || l.Before.Intervals != 3 {
		t.Errorf("counter: before %+v, after %+v; want 48 and 96 events over 30 s", l.Before, l.After)
	}
	if len(l.Changes) != 2 || l.Changes["count"].Rel != 1 || l.Changes["rate"].Rel != 1 || l.Changes["count"].Verdict != compare.Untested {
		t.Errorf("counter changes %+v, want count and rate, doubled, the count not judged", l.Changes)
	}
	// A window sees the increases after its first flush only: a 10 + 10,
	// b 10 + 3 (the restart).
	w := mustCompare(t, r, e, compare.Query{Service: "q", Metric: "jobs.done",
		Before: compare.Side{From: cmpBase, To: cmpBase.Add(time.Minute)}, After: compare.Side{Release: "v2"}})
	if w.Series[0].Before.Count != 20+13 {
		t.Errorf("counter window: %+v, want 33 events", w.Series[0].Before)
	}
}

func TestCompareErrors(t *testing.T) {
	t.Parallel()
	e := newRDEnv(t)
	h := e.series(t, "stage.latency", "timer", "ns", map[string]string{"host": "a", "service": "solo", "version": "v1"})
	e.point(t, h, cmpBase, interval(5, 6, 7))
	g := e.series(t, "queue.depth", "gauge", "", map[string]string{"host": "a", "service": "solo", "version": "v1"})
	e.point(t, g, cmpBase, cols{"value": 3.0})
	e.release(t, "solo", "v1", "a", 1, cmpBase)
	r := e.reader(t)
	rel := func(v string) compare.Side { return compare.Side{Release: v} }
	win := compare.Side{From: cmpBase, To: cmpBase.Add(time.Minute)}
	for _, tc := range []struct {
		name string
		q    compare.Query
		is   error
		want string
	}{
		{"no service", compare.Query{Metric: "stage.latency"}, compare.ErrInvalidQuery, "Service is required"},
		{"no metric", compare.Query{Service: "solo"}, compare.ErrInvalidQuery, "Metric is required"},
		{"one release", compare.Query{Service: "solo", Metric: "stage.latency"}, compare.ErrInvalidQuery, "fewer than two"},
		{"no releases", compare.Query{Service: "none", Metric: "stage.latency"}, compare.ErrInvalidQuery, `service "none" has 0 release(s)`},
		{"one side", compare.Query{Service: "solo", Metric: "stage.latency", Before: rel("v1")}, compare.ErrInvalidQuery, "both Before and After"},
		{"release and window", compare.Query{Service: "solo", Metric: "stage.latency", Before: rel("v1"),
			After: compare.Side{Release: "v1", From: cmpBase, To: cmpBase.Add(time.Minute)}}, compare.ErrInvalidQuery, `After has both a Release ("v1") and a window`},
		{"From == To", compare.Query{Service: "solo", Metric: "stage.latency", Before: compare.Side{From: cmpBase, To: cmpBase}, After: rel("v1")},
			compare.ErrInvalidQuery, "Before: From (2024-03-01T12:00:00Z) is not before To"},
		{"From > To", compare.Query{Service: "solo", Metric: "stage.latency", Before: rel("v1"), After: compare.Side{From: cmpBase.Add(time.Minute), To: cmpBase}},
			compare.ErrInvalidQuery, "After: From"},
		{"half window", compare.Query{Service: "solo", Metric: "stage.latency", Before: compare.Side{From: cmpBase}, After: rel("v1")},
			compare.ErrInvalidQuery, "needs both From and To"},
		{"gauge", compare.Query{Service: "solo", Metric: "queue.depth", Before: rel("v1"), After: rel("v1")}, compare.ErrInvalidQuery, "is a gauge"},
		{"unknown metric", compare.Query{Service: "solo", Metric: "nope", Before: rel("v1"), After: rel("v1")},
			compare.ErrNoData, `no data for metric "nope" of service "solo": it has no series (schema "rd_`},
		{"unknown tags", compare.Query{Service: "solo", Metric: "stage.latency", Tags: metrics.Tags{"stage": "x"}, Before: rel("v1"), After: rel("v1")},
			compare.ErrNoData, `metric "stage.latency" of service "solo" with tags map[stage:x]`},
		{"release without data", compare.Query{Service: "solo", Metric: "stage.latency", Before: rel("v1"), After: rel("v9")},
			compare.ErrNoData, `no data for metric "stage.latency" of service "solo" in release "v9" (schema "rd_`},
		{"window without data", compare.Query{Service: "solo", Metric: "stage.latency", Before: rel("v1"),
			After: compare.Side{From: cmpBase.Add(time.Hour), To: cmpBase.Add(2 * time.Hour)}}, compare.ErrNoData, "no data for metric \"stage.latency\" of service \"solo\" in the window"},
	} {
		_, err := r.Compare(e.ctx, tc.q)
		if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v; want one wrapping %v and containing %q", tc.name, err, tc.is, tc.want)
		}
	}
	if _, err := r.Releases(e.ctx, ""); !errors.Is(err, ErrInvalidQuery) {
		t.Errorf("Releases(\"\"): %v, want ErrInvalidQuery", err)
	}
	// The same release on both sides: no change.
	c := mustCompare(t, r, e, compare.Query{Service: "solo", Metric: "stage.latency", Before: rel("v1"), After: win})
	if ch := c.Series[0].Changes["p50"]; ch.Abs != 0 || ch.Rel != 0 || ch.Verdict != compare.Untested || c.Series[0].Before.Intervals != 1 {
		t.Errorf("v1 against its own window: %+v", c.Series[0])
	}
}

// TestCompareNoise: a 10% change that stays within the interval-to-interval
// noise (the intervals alternate between 1000 and 1400) is not
// significant, although over 5%; doubling is.
func TestCompareNoise(t *testing.T) {
	t.Parallel()
	e := newRDEnv(t)
	for vi, v := range []struct {
		version string
		pct     int64 // of v1's latencies
	}{{"v1", 100}, {"v2", 110}, {"v3", 200}} {
		start := cmpBase.Add(time.Duration(vi) * time.Hour)
		id := e.series(t, "noisy.latency", "histogram", "", map[string]string{"host": "a", "service": "n", "version": v.version})
		for i := range cmpFlushes {
			x := int64(1000)
			if i%2 == 1 {
				x = 1400
			}
			vs := make([]int64, 10)
			for k := range vs {
				vs[k] = x * v.pct / 100
			}
			e.point(t, id, start.Add(time.Duration(i)*10*time.Second), interval(vs...))
		}
		e.release(t, "n", v.version, "a", 1, start.Add(-10*time.Second))
	}
	r := e.reader(t)
	c := mustCompare(t, r, e, compare.Query{Service: "n", Metric: "noisy.latency", Before: compare.Side{Release: "v1"}, After: compare.Side{Release: "v2"}})
	l := c.Series[0]
	for _, f := range []compare.Field{compare.FieldMean, compare.FieldP50, compare.FieldP95, compare.FieldMax} {
		if ch := l.Changes[f]; ch.Significant || math.Abs(ch.Rel-0.1) > 0.02 {
			t.Errorf("v1 -> v2 %s: %+v, want about +10%%, within the noise: not significant", f, ch)
		}
	}
	c = mustCompare(t, r, e, compare.Query{Service: "n", Metric: "noisy.latency", Before: compare.Side{Release: "v1"}, After: compare.Side{Release: "v3"}})
	for _, f := range []compare.Field{compare.FieldMean, compare.FieldP50, compare.FieldP95, compare.FieldMax} {
		if ch := c.Series[0].Changes[f]; !ch.Significant || math.Abs(ch.Rel-1) > 0.02 {
			t.Errorf("v1 -> v3 %s: %+v, want doubled, significant", f, ch)
		}
	}
}
