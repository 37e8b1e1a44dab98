package postgres

import (
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/internal/pgschema"
	"github.com/vitals-go/vitals/metrics"
)

// blockStarts returns, for each series of the schema with blocks, the
// starts of its blocks as hours after day ("0h", "2h"), in order, joined
// by spaces, and how many series have each such list.
func blockStarts(t *testing.T, pool *pgxpool.Pool, e *Exporter, day time.Time) map[string]int {
	t.Helper()
	rows, err := pool.Query(xpCtx(t), "SELECT string_agg(extract(epoch FROM block_start - $1)::bigint / 3600 || 'h', ' ' "+
		"ORDER BY block_start) FROM "+e.n.Blocks+" GROUP BY series_id", day)
	if err != nil {
		t.Fatal(err)
	}
	lists, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, l := range lists {
		got[l]++
	}
	return got
}

// withRaw returns the rows of vitals_points_all, ordered as allRows
// orders them, once the rows of vitals_points replace the points of
// blocks at their time: what it holds after the next compaction.
func withRaw(t *testing.T, pool *pgxpool.Pool, e *Exporter) []string {
	t.Helper()
	rows, err := pool.Query(xpCtx(t), `SELECT DISTINCT ON (series_id, ts) t FROM (
		SELECT series_id, ts, p::text AS t, 0 AS o FROM `+e.n.Points+` AS p
		UNION ALL
		SELECT series_id, ts, p::text, 1 FROM `+e.n.PointsAll+` AS p
	) AS u ORDER BY series_id, ts, o`)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return want
}

// TestCompactHours: the maintenance moves each hour's rows into a block
// of the hour per series once the hour has closed for CompactAfter; late
// and retried points are merged into their hour's block; once the day has
// closed, its rows left are compacted likewise; a block of the whole day,
// as compaction wrote them before migration 9, is split into hours when
// a point is merged into it. vitals_points_all holds every point once
// throughout.
func TestCompactHours(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{CompactAfter: -1})
	day := compactTestDay()
	reg := metrics.NewRegistry()
	work := soakWorkload(reg, 20)
	r := rand.New(rand.NewPCG(31, 32))
	exportIntervals(t, e, reg, work, r, day.Add(time.Hour+57*time.Minute+30*time.Second), 30, false) // hours 1 and 2
	exportIntervals(t, e, reg, work, r, day.Add(5*time.Hour), 20, false)
	before := allRows(t, pool, e)
	series := countRows(t, pool, "SELECT count(DISTINCT series_id) FROM "+e.n.Points)
	ctx := xpCtx(t)
	c := e.compactor()
	c.after = defaultCompactAfter
	check := func(what string, want []string, raw int, starts map[string]int) {
		t.Helper()
		sameRows(t, what, allRows(t, pool, e), want)
		if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.Points); n != raw {
			t.Errorf("%s: vitals_points keeps %d rows, want %d", what, n, raw)
		}
		if got := blockStarts(t, pool, e, day); !maps.Equal(got, starts) {
			t.Errorf("%s: the series' blocks start at %v, want %v", what, got, starts)
		}
	}
	run := func(now time.Time) {
		t.Helper()
		if err := c.run(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	sixAM := day.Add(6 * time.Hour) // hour 5 has not been closed for CompactAfter yet
	run(sixAM)
	check("hours 1 and 2 compacted", before, 20*series, map[string]int{"1h 2h": series})

	// A retried snapshot of 01:58 with other values, and one late at 02:30:05.
	exportIntervals(t, e, reg, work, r, day.Add(time.Hour+58*time.Minute), 1, false)
	exportIntervals(t, e, reg, work, r, day.Add(2*time.Hour+30*time.Minute+5*time.Second), 1, false)
	want := withRaw(t, pool, e)
	if len(want) != len(before)+series {
		t.Fatalf("%d rows to expect, want %d", len(want), len(before)+series)
	}
	run(sixAM)
	check("late points merged into their hours", want, 20*series, map[string]int{"1h 2h": series})

	nextDay := day.AddDate(0, 0, 1).Add(time.Hour)
	run(nextDay)
	check("the closed day's rows left", want, 0, map[string]int{"1h 2h 5h": series})

	// Blocks of the whole day, as compaction wrote them before migration 9.
	dayBlocks(t, c)
	check("blocks of the day", want, 0, map[string]int{"0h": series})
	// A retry at 05:00, and a point at 07:00, after its last one.
	exportIntervals(t, e, reg, work, r, day.Add(5*time.Hour), 1, false)
	exportIntervals(t, e, reg, work, r, day.Add(7*time.Hour), 1, false)
	want = withRaw(t, pool, e)
	run(nextDay)
	check("a block of the day split into hours", want, 0, map[string]int{"1h 2h 5h 7h": series})
}

// dayBlocks rewrites the blocks of c's schema as one block per series per
// UTC day.
func dayBlocks(t *testing.T, c *compactor) {
	t.Helper()
	ctx := xpCtx(t)
	err := pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
		days := map[time.Time]map[int64][]blockPoint{}
		rows, err := tx.Query(ctx, "SELECT DISTINCT date_trunc('day', block_start, 'UTC') FROM "+c.n.Blocks)
		if err != nil {
			return err
		}
		starts, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
		if err != nil {
			return err
		}
		for _, day := range starts {
			days[day] = map[int64][]blockPoint{}
			r, err := tx.Query(ctx, blockPointsSQL(c.n, overlapSQL("$1", "$2", "$1")), day, day.AddDate(0, 0, 1))
			if err != nil {
				return err
			}
			if err := readPoints(r, days[day]); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "DELETE FROM "+c.n.Blocks); err != nil {
			return err
		}
		var blocks [][]any
		for day, series := range days {
			for id, pts := range series {
				blocks = append(blocks, encodeBlock(id, pgMicros(day), sortPoints(pts)))
			}
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{c.n.Schema, pgschema.BlocksTable}, blockColumnNames(), pgx.CopyFromRows(blocks))
		return err
	})
	if err != nil {
		t.Fatalf("rewrite the blocks by day: %v", err)
	}
}

// TestCompactHourWhileWritten: while an hour is compacted, batch by
// batch, points are written into the hour and into the next: every point
// is kept once, the next hour's rows stay in vitals_points, and the hour's
// late rows are compacted by the next run.
func TestCompactHourWhileWritten(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{CompactAfter: -1})
	day := compactTestDay()
	reg := metrics.NewRegistry()
	work := soakWorkload(reg, 50)
	r := rand.New(rand.NewPCG(33, 34))
	exportIntervals(t, e, reg, work, r, day.Add(3*time.Hour+57*time.Minute+30*time.Second), 30, false) // hours 3 and 4
	ctx := xpCtx(t)
	c := e.compactor()
	c.batchBytes, c.workers = 16<<10, 1 // afterBatch runs on the one worker
	var want []string
	batches := 0
	c.afterBatch = func() {
		if batches++; batches <= 2 {
			at := []time.Duration{3*time.Hour + 30*time.Minute, 4*time.Hour + 10*time.Minute}[batches-1]
			exportIntervals(t, e, reg, work, r, day.Add(at), 1, false)
			want = allRows(t, pool, e)
		}
	}
	hour := hourWindow(day.Add(3 * time.Hour))
	if _, err := c.compact(ctx, hour); err != nil {
		t.Fatal(err)
	}
	if batches < 3 {
		t.Fatalf("%d batches: too few to write between them", batches)
	}
	sameRows(t, "after the hour", allRows(t, pool, e), want)
	if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.Points+" WHERE ts >= $1", hour.to); n == 0 {
		t.Error("the next hour's rows were compacted too")
	}
	c.afterBatch = nil
	if _, err := c.compact(ctx, hour); err != nil {
		t.Fatal(err)
	}
	sameRows(t, "after the hour again", allRows(t, pool, e), want)
	if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.Points+" WHERE ts < $1", hour.to); n != 0 {
		t.Errorf("%d rows of the hour left in vitals_points", n)
	}
}

// TestCompactMarksReplaced: a snapshot written again after its hour was
// compacted (a retry whose answer was lost) is shown twice until the next
// compaction, which keeps it once and marks its minute for the rollups to
// roll up again (they counted it twice meanwhile).
func TestCompactMarksReplaced(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{CompactAfter: -1})
	day := compactTestDay()
	reg := metrics.NewRegistry()
	work := soakWorkload(reg, 10)
	r := rand.New(rand.NewPCG(35, 36))
	exportIntervals(t, e, reg, work, r, day.Add(time.Hour), 30, false)
	ctx := xpCtx(t)
	c := e.compactor()
	hour := hourWindow(day.Add(time.Hour))
	if _, err := c.compact(ctx, hour); err != nil {
		t.Fatal(err)
	}
	before := allRows(t, pool, e)
	retried := day.Add(time.Hour + 2*time.Minute + 10*time.Second)
	if _, err := pool.Exec(ctx, "INSERT INTO "+e.n.Points+" SELECT * FROM "+e.n.PointsAll+" WHERE ts = $1", retried); err != nil {
		t.Fatal(err)
	}
	if n, want := len(allRows(t, pool, e)), len(before)+countRows(t, pool, "SELECT count(*) FROM "+e.n.Points); n != want {
		t.Fatalf("%d rows shown with the retry, want %d", n, want)
	}
	if _, err := pool.Exec(ctx, "DELETE FROM "+rollupDirtyName(e.n)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.compact(ctx, hour); err != nil {
		t.Fatal(err)
	}
	sameRows(t, "after compacting the retry", allRows(t, pool, e), before)
	rows, err := pool.Query(ctx, "SELECT minute FROM "+rollupDirtyName(e.n))
	if err != nil {
		t.Fatal(err)
	}
	marked, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		t.Fatal(err)
	}
	if len(marked) != 1 || !marked[0].Equal(retried.Truncate(time.Minute)) {
		t.Errorf("marked minutes %v, want %v", marked, retried.Truncate(time.Minute))
	}
}
