package postgres

import (
	"bytes"
	"log/slog"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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

// TestCompactHours: the maintenance moves each closed hour's rows into a
// block of the hour per series; late and retried points are merged into
// their hour's block; once the day is due, its blocks and late rows merge
// into one block per series; a point later still merges into the day's
// block if it falls within its points, into a block of its hour if not.
// vitals_points_all holds every point once throughout.
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
	c.after = 30 * 24 * time.Hour // the day is not due whole
	check := func(what string, want []string, starts map[string]int) {
		t.Helper()
		sameRows(t, what, allRows(t, pool, e), want)
		if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.Points); n != 0 {
			t.Errorf("%s: vitals_points keeps %d rows", what, n)
		}
		if got := blockStarts(t, pool, e, day); !maps.Equal(got, starts) {
			t.Errorf("%s: the series' blocks start at %v, want %v", what, got, starts)
		}
	}
	if err := c.run(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	check("hours compacted", before, map[string]int{"1h 2h 5h": series})

	// A retried snapshot of 01:58 with other values, and one late at 02:30:05.
	exportIntervals(t, e, reg, work, r, day.Add(time.Hour+58*time.Minute), 1, false)
	exportIntervals(t, e, reg, work, r, day.Add(2*time.Hour+30*time.Minute+5*time.Second), 1, false)
	want := withRaw(t, pool, e)
	if len(want) != len(before)+series {
		t.Fatalf("%d rows to expect, want %d", len(want), len(before)+series)
	}
	if err := c.run(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	check("late points merged into their hours", want, map[string]int{"1h 2h 5h": series})

	c.after = time.Hour // the day is due: its blocks become one
	exportIntervals(t, e, reg, work, r, day.Add(3*time.Hour), 1, false)
	want = withRaw(t, pool, e)
	if err := c.run(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	check("the day merged", want, map[string]int{"0h": series})

	// A retry at 05:00, within the day's block, and a point at 07:00 after
	// its last one.
	c.after = 30 * 24 * time.Hour
	exportIntervals(t, e, reg, work, r, day.Add(5*time.Hour), 1, false)
	exportIntervals(t, e, reg, work, r, day.Add(7*time.Hour), 1, false)
	want = withRaw(t, pool, e)
	if err := c.run(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	check("late points after the day merged", want, map[string]int{"0h 7h": series})
}

// TestCompactHourWhileWritten: an hour compacted in bulk while the
// exporter writes the next hour goes through without falling back, and a
// point written into the hour meanwhile makes it fall back: nothing is
// lost either way.
func TestCompactHourWhileWritten(t *testing.T) {
	t.Parallel()
	for _, into := range []bool{false, true} {
		name := map[bool]string{false: "next hour", true: "same hour"}[into]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e, pool := xpNew(t, Config{CompactAfter: -1})
			day := compactTestDay()
			reg := metrics.NewRegistry()
			work := soakWorkload(reg, 50)
			r := rand.New(rand.NewPCG(33, 34))
			exportIntervals(t, e, reg, work, r, day.Add(3*time.Hour+57*time.Minute+30*time.Second), 30, false) // hours 3 and 4
			ctx := xpCtx(t)
			var logs bytes.Buffer
			c := e.compactor()
			c.batchBytes, c.bulkBytes = 16<<10, 0
			c.log = slog.New(slog.NewTextHandler(&logs, nil))
			var want []string
			written := false
			c.afterBatch = func() {
				if written {
					return
				}
				written = true
				at := day.Add(4*time.Hour + 10*time.Minute)
				if into {
					at = day.Add(3*time.Hour + 30*time.Minute)
				}
				exportIntervals(t, e, reg, work, r, at, 1, false)
				want = allRows(t, pool, e)
			}
			if _, err := c.compact(ctx, hourWindow(day.Add(3*time.Hour))); err != nil {
				t.Fatal(err)
			}
			if fell := strings.Contains(logs.String(), "compacting it batch by batch"); fell != into {
				t.Errorf("fell back to batches: %v, want %v; logs:\n%s", fell, into, logs.String())
			}
			sameRows(t, "after the hour", allRows(t, pool, e), want)
			// Only the rows of 04:00 and later are left.
			if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.Points+" WHERE ts < $1", day.Add(4*time.Hour)); n != 0 {
				t.Errorf("%d rows of the hour left in vitals_points", n)
			}
			if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.Points+" WHERE ts >= $1", day.Add(4*time.Hour)); n == 0 {
				t.Error("the next hour's rows were compacted too")
			}
		})
	}
}
