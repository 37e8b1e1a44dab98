package pgreader

import (
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/compare"
	"github.com/vitals-go/vitals/exporters/postgres"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		v, err := time.Parse(time.TimeOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	sp := func(a, b string) span { return span{at(a), at(b)} }
	levels := []level{{time.Hour, sp("02:00:00", "09:00:00")}, {time.Minute, sp("01:30:00", "09:41:00")}}
	for _, tc := range []struct {
		name     string
		from, to string
		step     time.Duration
		levels   []level
		want     pieces
	}{
		{"hours, minutes and points", "01:17:10", "09:50:20", time.Hour, levels, pieces{
			hours:   []span{sp("02:00:00", "09:00:00")},
			minutes: []span{sp("01:30:00", "02:00:00"), sp("09:00:00", "09:41:00")},
			points:  []span{sp("01:17:10", "01:30:00"), sp("09:41:00", "09:50:20")},
		}},
		{"minute steps use no hours", "03:00:30", "04:00:00", 5 * time.Minute, levels, pieces{
			minutes: []span{sp("03:01:00", "04:00:00")},
			points:  []span{sp("03:00:30", "03:01:00")},
		}},
		{"steps of seconds use points", "03:00:00", "04:00:00", 90 * time.Second, levels, pieces{
			points: []span{sp("03:00:00", "04:00:00")},
		}},
		{"nothing covered", "10:00:00", "11:00:00", time.Hour, levels, pieces{
			points: []span{sp("10:00:00", "11:00:00")},
		}},
		{"no rollups", "03:00:00", "04:00:00", time.Hour, nil, pieces{
			points: []span{sp("03:00:00", "04:00:00")},
		}},
		{"empty coverage", "03:00:00", "04:00:00", time.Hour, []level{{time.Hour, sp("05:00:00", "05:00:00")}}, pieces{
			points: []span{sp("03:00:00", "04:00:00")},
		}},
	} {
		if got := split(at(tc.from), at(tc.to), tc.step, tc.levels); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: split = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestWindow(t *testing.T) {
	t.Parallel()
	from := time.Date(2024, 3, 1, 10, 17, 42, 500, time.UTC)
	to := from.Add(2 * time.Hour)
	minute, hour := time.Date(2024, 3, 1, 10, 17, 0, 0, time.UTC), time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	end := time.Date(2024, 3, 1, 12, 18, 0, 0, time.UTC)
	for _, tc := range []struct {
		step               time.Duration
		wfrom, wto, origin time.Time
	}{
		{30 * time.Second, from, to, from},
		{90 * time.Second, from, to, from},
		{time.Minute, minute, end, minute},
		{5 * time.Minute, minute, end, minute},
		{3 * time.Hour, minute, end, hour},
		{48 * time.Hour, minute, end, hour},
	} {
		wfrom, wto, origin := window(from, to, tc.step)
		if !wfrom.Equal(tc.wfrom) || !wto.Equal(tc.wto) || !origin.Equal(tc.origin) {
			t.Errorf("window(%v) = %v, %v, %v; want %v, %v, %v", tc.step, wfrom, wto, origin, tc.wfrom, tc.wto, tc.origin)
		}
	}
	// Aligned steps may need one more step than the span alone: planStep
	// takes the next step then.
	if step := planStep(from, to, 4); step != time.Hour {
		t.Errorf("planStep over 2 h for 4 points = %v, want 1h (10:00, 11:00 and 12:00)", step)
	}
	if step := planStep(from, to, 2); step != 2*time.Hour {
		t.Errorf("planStep over 2 h for 2 points = %v, want 2h (1h gives 10:00, 11:00 and 12:00)", step)
	}
}

// resolutionData writes four hours of a test mix of two hosts, 10 s
// flushes from start, with COPY: a timer, a counter (b restarts), a gauge,
// a meter and a histogram without buckets. It returns the timer's values
// by flush time, both hosts together.
func (e *rdEnv) resolutionData(t *testing.T, start time.Time) map[time.Time][]int64 {
	t.Helper()
	const flushes = 4 * 360
	values := map[time.Time][]int64{}
	columns := []string{"series_id", "ts", "total", "count", "sum", "min", "max", "value", "mean", "stddev",
		"p50", "p75", "p95", "p99", "p999", "rate1", "rate5", "rate15", "rate_mean", "bucket_idx", "bucket_cnt"}
	var rows [][]any
	add := func(id int64, ts time.Time, c cols) {
		row := []any{id, ts}
		for _, name := range columns[2:] {
			row = append(row, c[name])
		}
		rows = append(rows, row)
	}
	seed := uint64(42)
	rnd := func(n int64) int64 {
		seed = seed*6364136223846793005 + 1442695040888963407
		return int64(seed>>33) % n
	}
	for _, host := range []string{"a", "b"} {
		tags := map[string]string{"host": host, "service": "api"}
		timer := e.series(t, "api.latency", "timer", "ns", tags)
		counter := e.series(t, "jobs.done", "counter", "", tags)
		gauge := e.series(t, "queue.depth", "gauge", "", tags)
		meter := e.series(t, "bytes.in", "meter", "", tags)
		legacy := e.series(t, "legacy.hist", "histogram", "", tags)
		var total, jobs int64
		for i := range flushes {
			ts := start.Add(time.Duration(i) * 10 * time.Second)
			var vs []int64
			for range 5 + rnd(20) {
				v := 800 + rnd(3000)
				if rnd(50) == 0 {
					v = 40000 + rnd(100000)
				}
				vs = append(vs, v)
			}
			if i%37 == 0 {
				vs = nil // an idle interval
			}
			total += int64(len(vs))
			values[ts] = append(values[ts], vs...)
			r := rates(float64(rnd(100))/7, 2.5, float64(i%9), 1)
			add(timer, ts, interval(vs...).with(cols{"total": total}).with(r))
			jobs += rnd(10)
			if host == "b" && i == 1000 {
				jobs = 3
			}
			add(counter, ts, cols{"total": jobs})
			add(gauge, ts, cols{"value": float64(rnd(1000))/8 - 20})
			add(meter, ts, cols{"total": 100 * int64(i)}.with(r))
			if i%29 != 0 {
				add(legacy, ts, cols{"total": 4 * int64(i), "count": int64(4), "sum": 100 + rnd(50), "min": int64(1), "max": 90 + rnd(9),
					"mean": 25.0, "stddev": 3.0, "p50": float64(20 + rnd(5)), "p75": 30.0, "p95": 60.0, "p99": float64(80 + rnd(9)), "p999": 90.0})
			}
		}
	}
	// A histogram with a bucket count that does not fit the rollups'
	// packed buckets: they read its arrays.
	huge := e.series(t, "huge.hist", "histogram", "", map[string]string{"host": "a", "service": "api"})
	for i := range 30 {
		add(huge, start.Add(time.Duration(i)*time.Minute), cols{"total": int64(i) << 32, "count": int64(1) << 32, "sum": int64(1) << 33,
			"min": int64(1), "max": int64(3), "mean": 2.0, "stddev": 0.5, "bucket_idx": []int32{1, 70},
			"bucket_cnt": []int64{1<<32 - int64(i), int64(i)}})
	}
	if _, err := e.pool.CopyFrom(e.ctx, pgx.Identifier{e.schema, "vitals_points"}, columns, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	return values
}

// rollUp starts an Exporter on the schema, whose maintenance (every 20 ms)
// rolls up, and waits until the rollups cover [from, to).
func (e *rdEnv) rollUp(t *testing.T, from, to time.Time) {
	t.Helper()
	exp, err := postgres.New(e.ctx, postgres.Config{URL: e.url, Schema: e.schema, MaintenanceInterval: 20 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("postgres.New: %v", err)
	}
	defer func() {
		if err := exp.Shutdown(e.ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	}()
	state := e.n.Rollups().State
	for {
		var lo, hi time.Time
		err := e.pool.QueryRow(e.ctx, "SELECT rolled_from, rolled_to FROM "+state+" WHERE level = '1m'").Scan(&lo, &hi)
		if err != nil {
			t.Fatal(err)
		}
		if !lo.After(from) && !hi.Before(to) {
			return
		}
		select {
		case <-e.ctx.Done():
			t.Fatalf("the rollups cover [%v, %v), not [%v, %v)", lo, hi, from, to)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// exactQuantile is the nearest-rank q-quantile of values.
func exactQuantile(values []int64, q float64) float64 {
	s := slices.Sorted(slices.Values(values))
	rank := max(int(math.Ceil(q*float64(len(s)))), 1)
	return float64(s[rank-1])
}

// TestRangeRollupsMatchPoints reads the same ranges from the points alone
// (before the rollups cover them) and then from the rollups with points at
// the edges: the answers are the same, every field of every kind of
// series, the quantiles exactly (the same merged buckets) and within 1% of
// the exact quantiles of the values; and a comparison of two windows does
// not change.
func TestRangeRollupsMatchPoints(t *testing.T) {
	t.Parallel()
	e := newRDEnv(t)
	hour := time.Now().UTC().Truncate(time.Hour)
	start := hour.Add(-5*time.Hour + 17*time.Minute + 17*time.Second)
	end := start.Add(4 * time.Hour)
	values := e.resolutionData(t, start)
	r := e.reader(t)

	api := map[string]string{"service": "api"}
	queries := []RangeQuery{
		{Name: "api.latency", Tags: api, From: start, To: end, Step: time.Hour},
		{Name: "api.latency", Tags: api, From: start.Add(-7*time.Minute + 13*time.Second), To: end.Add(3 * time.Minute), Step: 5 * time.Minute},
		{Name: "api.latency", Tags: api, From: start, To: end, Step: time.Minute, MaxPoints: 300},
		{Name: "api.latency", Tags: api, From: start.Add(time.Hour + 7*time.Minute + 3*time.Second), To: end.Add(-17*time.Minute - 2*time.Second), Step: 2 * time.Hour},
		{Name: "api.latency", Tags: api, From: start, To: end, MaxPoints: 20},
		{Name: "api.latency", Tags: api, From: start, To: end, Step: 90 * time.Second, MaxPoints: 200},
		{Name: "api.latency", Tags: map[string]string{"host": "a"}, From: start, To: end, Step: 30 * time.Minute},
		{Name: "jobs.done", From: start, To: end, Step: time.Hour},
		{Name: "jobs.done", From: start, To: end, Step: 10 * time.Minute},
		{Name: "bytes.in", From: start, To: end, Step: time.Hour},
		{Name: "legacy.hist", From: start, To: end, Step: 15 * time.Minute},
		{Name: "legacy.hist", From: start, To: end, Step: time.Hour},
		{Name: "huge.hist", From: start, To: end, Step: time.Hour},
		{Name: "huge.hist", From: start, To: end, Step: 10 * time.Minute},
	}
	for _, agg := range []Aggregate{AggregateAvg, AggregateMin, AggregateMax, AggregateLast} {
		queries = append(queries, RangeQuery{Name: "queue.depth", From: start, To: end, Step: time.Hour, Aggregate: agg},
			RangeQuery{Name: "queue.depth", From: start.Add(-time.Minute), To: end, Step: 20 * time.Minute, Aggregate: agg})
	}
	cmpQuery := compare.Query{Service: "api", Metric: "api.latency",
		Before: compare.Side{From: start, To: start.Add(time.Hour)}, After: compare.Side{From: start.Add(2 * time.Hour), To: end}}
	cmpCounter := cmpQuery
	cmpCounter.Metric = "jobs.done"

	var fromPoints [][]RangePoint
	for _, q := range queries {
		fromPoints = append(fromPoints, mustRange(t, r, e, q))
	}
	cmpBefore, cmpCounterBefore := mustCompare(t, r, e, cmpQuery), mustCompare(t, r, e, cmpCounter)

	e.rollUp(t, start, end.Add(3*time.Minute))

	// The hour steps read the hour rollup.
	tx, err := r.pool.Begin(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	levels, _, err := r.levels(e.ctx, tx)
	_ = tx.Rollback(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p := split(start, end, time.Hour, levels); len(p.hours) != 1 || p.hours[0].to.Sub(p.hours[0].from) != 3*time.Hour {
		t.Fatalf("levels %+v: an hour step over the data reads %+v; want 3 hours from vitals_rollup_1h", levels, p)
	}

	for i, q := range queries {
		got := mustRange(t, r, e, q)
		want := fromPoints[i]
		label := q.Name + " " + q.Step.String() + " " + string(q.Aggregate)
		if len(got) != len(want) || len(got) == 0 {
			t.Errorf("%s: %d points from the rollups, %d from the points", label, len(got), len(want))
			continue
		}
		for k := range got {
			checkPoint(t, label+" "+want[k].Time.Format(time.TimeOnly), got[k], want[k])
		}
		if q.Name != "api.latency" || q.Tags["host"] != "" || q.Step == 0 {
			continue
		}
		for _, p := range got {
			from, to, _ := window(q.From, q.To, q.Step)
			var vs []int64
			for ts, v := range values {
				if !ts.Before(later(p.Time, from)) && ts.Before(earlier(p.Time.Add(q.Step), to)) {
					vs = append(vs, v...)
				}
			}
			for _, c := range []struct {
				q   float64
				got float64
			}{{0.5, p.P50}, {0.99, p.P99}, {0.999, p.P999}} {
				if want := exactQuantile(vs, c.q); math.Abs(c.got-want) > 0.01*want {
					t.Errorf("%s %v: p%v = %v, the exact quantile of the %d values is %v", label, p.Time, 100*c.q, c.got, len(vs), want)
				}
			}
		}
	}
	// Printed, so that NaN fields compare equal.
	if got, want := fmt.Sprintf("%+v", mustCompare(t, r, e, cmpQuery)), fmt.Sprintf("%+v", cmpBefore); got != want {
		t.Errorf("Compare after the rollups:\n%s\nbefore:\n%s", got, want)
	}
	if got, want := fmt.Sprintf("%+v", mustCompare(t, r, e, cmpCounter)), fmt.Sprintf("%+v", cmpCounterBefore); got != want {
		t.Errorf("Compare of the counter after the rollups:\n%s\nbefore:\n%s", got, want)
	}
}

// TestRangeRollupsOverCompactedDays reads a day that was rolled up and
// then compacted into blocks: from the rollups, and, when the rollups are
// made not to cover it, from vitals_points_all; both as from the points
// before.
func TestRangeRollupsOverCompactedDays(t *testing.T) {
	t.Parallel()
	e := newRDEnv(t)
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -2)
	start := day.Add(10*time.Hour + 17*time.Minute + 17*time.Second)
	end := start.Add(4 * time.Hour)
	e.resolutionData(t, start)
	r := e.reader(t)
	queries := []RangeQuery{
		{Name: "api.latency", From: start, To: end, Step: time.Hour},
		{Name: "api.latency", From: start.Add(-time.Minute), To: end, Step: 5 * time.Minute},
		{Name: "jobs.done", From: start, To: end, Step: 2 * time.Hour},
		{Name: "queue.depth", From: start, To: end, Step: time.Hour, Aggregate: AggregateLast},
	}
	var before [][]RangePoint
	for _, q := range queries {
		before = append(before, mustRange(t, r, e, q))
	}
	e.rollUp(t, start, end)
	exp, err := postgres.New(e.ctx, postgres.Config{URL: e.url, Schema: e.schema, MaintenanceInterval: time.Hour, CompactAfter: -1,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exp.Compact(e.ctx, day); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	if err := exp.Shutdown(e.ctx); err != nil {
		t.Fatal(err)
	}
	var raw int
	if err := e.pool.QueryRow(e.ctx, "SELECT count(*) FROM "+e.n.Points).Scan(&raw); err != nil || raw != 0 {
		t.Fatalf("%d rows left in vitals_points after Compact (%v)", raw, err)
	}
	check := func(label string) {
		t.Helper()
		for i, q := range queries {
			got := mustRange(t, r, e, q)
			if len(got) != len(before[i]) || len(got) == 0 {
				t.Errorf("%s, %s %v: %d points, want %d", label, q.Name, q.Step, len(got), len(before[i]))
				continue
			}
			for k := range got {
				checkPoint(t, label+" "+q.Name+" "+q.Step.String(), got[k], before[i][k])
			}
		}
	}
	check("rollups")
	// The rollups cover only what comes after the data: it is read from
	// the blocks.
	if _, err := e.pool.Exec(e.ctx, "UPDATE "+e.n.Rollups().State+" SET rolled_from = greatest(rolled_from, $1)", end.Add(2*time.Hour).Truncate(time.Hour)); err != nil {
		t.Fatal(err)
	}
	check("blocks")
}
