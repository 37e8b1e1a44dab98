package postgres

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/metrics"
)

// compactTestDay is the day the compaction tests write and compact: closed,
// within the default retention.
func compactTestDay() time.Time { return dayOf(time.Now()).AddDate(0, 0, -3) }

// compact compacts the window w under the compaction lock (tests choose
// their windows; the maintenance finds them with due).
func (c *compactor) compact(ctx context.Context, w window) (CompactStats, error) {
	unlock, err := c.lock(ctx)
	if err != nil || unlock == nil {
		return CompactStats{Day: w.day}, err
	}
	defer unlock()
	return c.compactLocked(ctx, w)
}

// allRows returns every row of vitals_points_all, as text, ordered.
func allRows(t testing.TB, pool *pgxpool.Pool, e *Exporter) []string {
	t.Helper()
	rows, err := pool.Query(xpCtx(t), "SELECT p::text FROM "+e.n.PointsAll+" AS p ORDER BY series_id, ts")
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// countRows returns count(*) of query.
func countRows(t testing.TB, pool *pgxpool.Pool, query string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(xpCtx(t), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// sameRows fails t unless got and want hold the same rows.
func sameRows(t testing.TB, what string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	t.Errorf("%s: %d rows, want %d", what, len(got), len(want))
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Fatalf("first difference at row %d:\n got %s\nwant %s", i, g, w)
		}
	}
}

// writeEdgeRows writes, by hand, rows that the exporter does not write but
// a block must hold exactly: totals whose differences overflow, a counter
// that restarts, NaN, infinities and -0, NULLs in the middle of columns,
// empty bucket lists, bucket indexes beyond a smallint and counts beyond
// an integer, irregular times; and one row a block cannot hold (a
// two-dimensional bucket list), which must stay in vitals_points.
func writeEdgeRows(t testing.TB, pool *pgxpool.Pool, e *Exporter, day time.Time) {
	t.Helper()
	ctx := xpCtx(t)
	stmts := []string{
		`INSERT INTO ` + e.n.Series + ` (id, name, tags, kind) VALUES (-5, 'edge.a', '{}', 'histogram'),
			(7, 'edge.b', '{}', 'counter'), (9223372036854775807, 'edge.c', '{}', 'gauge'),
			(-9223372036854775808, 'edge.d', '{}', 'histogram')`,
		`INSERT INTO ` + e.n.Points + ` (series_id, ts, total, count, value, mean, bucket_idx, bucket_cnt) VALUES
			(-5, $1::timestamptz + interval '1 hour', 9223372036854775807, 1, 'NaN', '-0', '{1,100000}', '{5,6000000000}'),
			(-5, $1::timestamptz + interval '1 hour 10 seconds', -9223372036854775808, NULL, 'Infinity', NULL, '{}', '{}'),
			(-5, $1::timestamptz + interval '1 hour 20 seconds', NULL, 3, '-Infinity', 1.5, NULL, NULL),
			(-5, $1::timestamptz + interval '1 hour 30.000001 seconds', 12, 4, 1e-320, 2.5, '{2}', '{40000}'),
			(7, $1::timestamptz + interval '3 seconds', 10, NULL, NULL, NULL, NULL, NULL),
			(7, $1::timestamptz + interval '13 seconds', 25, NULL, NULL, NULL, NULL, NULL),
			(7, $1::timestamptz + interval '23 seconds', 2, NULL, NULL, NULL, NULL, NULL),
			(7, $1::timestamptz + interval '23 hours 59 minutes 59.999999 seconds', 3, NULL, NULL, NULL, NULL, NULL),
			(9223372036854775807, $1::timestamptz, NULL, NULL, NULL, NULL, NULL, NULL),
			(-9223372036854775808, $1::timestamptz + interval '5 hours', 1, 1, 1, 1, '{1}', '{1}'),
			(-9223372036854775808, $1::timestamptz + interval '5 hours 10 seconds', 2, 1, 1, 1, '{{1},{2}}', '{{1},{1}}')`,
	}
	if _, err := pool.Exec(ctx, stmts[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, stmts[1], day); err != nil {
		t.Fatal(err)
	}
}

// compactModes are the two ways of compacting a day: a compactor's
// bulkBytes for each.
var compactModes = []struct {
	name      string
	bulkBytes int64
}{{"bulk", 0}, {"batches", math.MaxInt64}}

// TestCompactKeepsEveryPoint compacts a day of the example service's
// series (every kind, buckets included) and hand-written edge rows, in
// bulk and batch by batch: the rows of vitals_points_all are the same
// before and after, the day's partition of vitals_points keeps only the
// row no block can hold, and points written to the day afterwards (new,
// and again at the time of a compacted one) are seen at once and merged
// by the next compaction.
func TestCompactKeepsEveryPoint(t *testing.T) {
	t.Parallel()
	for _, mode := range compactModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			testCompactKeepsEveryPoint(t, mode.bulkBytes)
		})
	}
}

func testCompactKeepsEveryPoint(t *testing.T, bulkBytes int64) {
	e, pool := xpNew(t, Config{CompactAfter: -1})
	day := compactTestDay()
	reg := metrics.NewRegistry()
	example, load := exampleWorkload(reg), reg.GaugeFloat64("load", nil)
	w := func(r *rand.Rand) { example(r); load.Update(r.Float64() * 1e6) }
	r := rand.New(rand.NewPCG(1, 2))
	exportIntervals(t, e, reg, w, r, day.Add(time.Hour), 60, false)
	exportIntervals(t, e, reg, w, r, day.Add(3*time.Hour), 30, false) // after a gap
	writeEdgeRows(t, pool, e, day)

	before := allRows(t, pool, e)
	raw := countRows(t, pool, "SELECT count(*) FROM "+e.n.Points)
	if len(before) != raw {
		t.Fatalf("the view shows %d rows before compaction, vitals_points holds %d", len(before), raw)
	}
	ctx := xpCtx(t)
	c := e.compactor()
	c.batchBytes, c.bulkBytes = 64<<10, bulkBytes // several batches
	st, err := c.compact(ctx, dayWindow(day))
	if err != nil {
		t.Fatal(err)
	}
	if st.Batches < 2 || st.Points != raw-1 {
		t.Errorf("compacted %+v, want several batches and %d points", st, raw-1)
	}
	sameRows(t, "after compaction", allRows(t, pool, e), before)
	if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.Points); n != 1 {
		t.Errorf("vitals_points holds %d rows after compaction, want the one no block can hold", n)
	}
	for _, check := range []string{
		"series_id = -5 AND bucket_idx4 IS NOT NULL AND bucket_cnt8 IS NOT NULL AND total IS NOT NULL AND total_delta IS NULL " +
			"AND bucket_idx2 IS NULL AND bucket_cnt2 IS NULL AND sum IS NULL AND cardinality(ts_run_len) = 2",
		"series_id = 7 AND total_delta = '{10,15,-23}' AND total IS NULL AND count IS NULL AND bucket_len IS NULL " +
			"AND ts_step = 10000000 AND ts_run_len = '{3}' AND ts_run_start = '{3000000}'",
		"series_id = 7 AND total_delta = '{3}' AND ts_run_len = '{1}' AND ts_run_start = '{3599999999}'",
		"series_id = -9223372036854775808 AND points = 1",
		"bucket_gap IS NOT NULL AND bucket_cnt2 IS NOT NULL AND bucket_idx2 IS NULL AND bucket_idx4 IS NULL " +
			"AND ts_run_len = '{60}' AND ts_step = 10000000 AND mean_derived AND mean IS NULL",
		"rate_mean_elapsed IS NOT NULL AND rate_mean IS NULL",
		"series_id = -5 AND NOT mean_derived AND mean IS NOT NULL",
	} {
		if countRows(t, pool, "SELECT count(*) FROM "+e.n.Blocks+" WHERE "+check) == 0 {
			t.Errorf("no block with %s", check)
		}
	}
	series := countRows(t, pool, "SELECT count(DISTINCT series_id) FROM "+e.n.PointsAll)
	hours := func() int {
		return countRows(t, pool, "SELECT count(*) FROM (SELECT DISTINCT series_id, date_trunc('hour', ts, 'UTC') FROM "+
			e.n.PointsAll+" AS p WHERE NOT EXISTS (SELECT FROM "+e.n.Points+" AS r WHERE r.series_id = p.series_id AND r.ts = p.ts)) AS h")
	}
	if n, want := countRows(t, pool, "SELECT count(*) FROM "+e.n.Blocks), hours(); n != want {
		t.Errorf("%d blocks, want one per series per hour: %d", n, want)
	}

	// Late points: 5 new intervals, and a point again at a compacted time.
	exportIntervals(t, e, reg, w, r, day.Add(12*time.Hour), 5, false)
	if _, err := pool.Exec(ctx, "INSERT INTO "+e.n.Points+
		" SELECT * FROM "+e.n.PointsAll+" WHERE series_id = 7 AND ts = $1", day.Add(13*time.Second)); err != nil {
		t.Fatal(err)
	}
	late := allRows(t, pool, e)
	if want := len(before) + 5*(series-4) + 1; len(late) != want { // not the edge series; one row twice
		t.Fatalf("%d rows with the late points, want %d", len(late), want)
	}
	st, err = e.Compact(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Compact(late)
	sameRows(t, "after compacting the late points", allRows(t, pool, e), want)
	if st.Points != 5*(series-4)+1 {
		t.Errorf("compacted %d late points, want %d", st.Points, 5*(series-4)+1)
	}
	if n, want := countRows(t, pool, "SELECT count(*) FROM "+e.n.Blocks), hours(); n != want {
		t.Errorf("%d blocks after merging, want %d", n, want)
	}
}

// TestBlocksCompression: the arrays of every partition of vitals_blocks
// are compressed with pglz.
func TestBlocksCompression(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{CompactAfter: -1})
	ctx := xpCtx(t)
	day := compactTestDay()
	if err := createBlocksPartition(ctx, pool, e.n, day); err != nil {
		t.Fatal(err)
	}
	var v14 bool
	if err := pool.QueryRow(ctx, "SELECT current_setting('server_version_num')::int >= 140000").Scan(&v14); err != nil {
		t.Fatal(err)
	}
	if !v14 {
		t.Skip("PostgreSQL 13 or older: pglz only")
	}
	rows, err := pool.Query(ctx, `SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0
		AND atttypid::regtype::text LIKE '%[]' AND attcompression <> 'p'`, blocksPartition(e.n, day))
	if err != nil {
		t.Fatal(err)
	}
	other, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(other) > 0 {
		t.Errorf("columns not compressed with pglz: %v", other)
	}
}

// TestCompactEmptiedPartitionIsVacuumed: once compacted, the day's
// partition of vitals_points gives its space back, as soon as no
// transaction older than the compaction is left (the other tests' run
// meanwhile: the vacuum is tried again until then).
func TestCompactEmptiedPartitionIsVacuumed(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{CompactAfter: -1})
	day := compactTestDay()
	reg := metrics.NewRegistry()
	exportIntervals(t, e, reg, exampleWorkload(reg), rand.New(rand.NewPCG(3, 4)), day, 30, false)
	ctx := xpCtx(t)
	if _, err := e.Compact(ctx, day); err != nil {
		t.Fatal(err)
	}
	part := pointsPartition(e.n, day)
	for countRows(t, pool, "SELECT pg_relation_size($1)", part) != 0 {
		select {
		case <-ctx.Done():
			t.Fatal("the emptied partition keeps its space")
		case <-time.After(20 * time.Millisecond):
		}
		e.compactor().vacuum(ctx, day, 0)
	}
	if n := countRows(t, pool, "SELECT pg_indexes_size($1)", part); n > 256<<10 {
		t.Errorf("the emptied partition's indexes keep %d bytes", n)
	}
}

// TestCompactReindexRetried: when a reader holds the table during the
// compaction, the vacuum cannot empty the partition and its index is not
// rebuilt; once a later vacuum (autovacuum's, here by hand) has emptied
// it, the next maintenance run rebuilds the index.
func TestCompactReindexRetried(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{CompactAfter: -1})
	day := compactTestDay()
	reg := metrics.NewRegistry()
	exportIntervals(t, e, reg, soakWorkload(reg, 100), rand.New(rand.NewPCG(21, 22)), day, 60, false)
	ctx := xpCtx(t)
	part := pointsPartition(e.n, day)
	indexBytes := func() int { return countRows(t, pool, "SELECT pg_indexes_size($1)", part) }
	if n := indexBytes(); n <= 256<<10 {
		t.Fatalf("the index holds only %d bytes before compaction: too few to tell", n)
	}

	c := e.compactor()
	reader, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reader.Exec(ctx, "LOCK TABLE "+part+" IN ACCESS SHARE MODE"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.compact(ctx, dayWindow(day)); err != nil {
		t.Fatal(err)
	}
	if err := reader.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	for countRows(t, pool, "SELECT pg_relation_size($1)", part) != 0 {
		select {
		case <-ctx.Done():
			t.Fatal("the emptied partition keeps its space")
		case <-time.After(20 * time.Millisecond):
		}
		_, err := pool.Exec(ctx, "VACUUM "+part) // as autovacuum would
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := indexBytes(); n <= 256<<10 {
		t.Fatalf("the index shrank to %d bytes while a reader held the table", n)
	}
	c.after = time.Hour
	if err := c.run(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	if n := indexBytes(); n > 256<<10 {
		t.Errorf("after the next maintenance run the emptied partition's indexes keep %d bytes", n)
	}
}

// TestCompactBulkWhileWritten: rows written to the day while it is
// compacted in bulk (here after each range is read) stay in vitals_points,
// shown once, and the next compaction takes them.
func TestCompactBulkWhileWritten(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{CompactAfter: -1})
	day := compactTestDay()
	reg := metrics.NewRegistry()
	exportIntervals(t, e, reg, soakWorkload(reg, 100), rand.New(rand.NewPCG(15, 16)), day, 60, false)
	ctx := xpCtx(t)
	var logs bytes.Buffer
	c := e.compactor()
	c.batchBytes, c.bulkBytes, c.workers = 16<<10, 0, 1
	c.log = slog.New(slog.NewTextHandler(&logs, nil))
	late := metrics.NewRegistry()
	lateCounter := late.Counter("late", nil)
	var want []string
	i := 0
	c.afterBatch = func() {
		lateCounter.Inc(1)
		exportIntervals(t, e, late, func(*rand.Rand) {}, nil, day.Add(time.Duration(i)*10*time.Second+5*time.Second), 1, false)
		i++
		want = allRows(t, pool, e)
	}
	if _, err := c.compact(ctx, dayWindow(day)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "batch by batch") {
		t.Errorf("the bulk compaction fell back; logs:\n%s", logs.String())
	}
	sameRows(t, "after the bulk compaction", allRows(t, pool, e), want)
	if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.Points); n != i {
		t.Errorf("vitals_points holds %d rows after compaction, want the %d written meanwhile", n, i)
	}
	c.afterBatch = nil
	if _, err := c.compact(ctx, dayWindow(day)); err != nil {
		t.Fatal(err)
	}
	sameRows(t, "after compacting again", allRows(t, pool, e), want)
	if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.Points); n != 0 {
		t.Errorf("vitals_points holds %d rows after compacting again, want 0", n)
	}
}

// TestCompactBulkFallsBack: when another process compacts some of the
// day's rows while it is compacted in bulk (which the compaction lock
// prevents), the bulk work is dropped and the day compacted batch by
// batch: every point is kept once.
func TestCompactBulkFallsBack(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{CompactAfter: -1})
	day := compactTestDay()
	reg := metrics.NewRegistry()
	exportIntervals(t, e, reg, soakWorkload(reg, 100), rand.New(rand.NewPCG(15, 16)), day, 60, false)
	before := allRows(t, pool, e)
	ctx := xpCtx(t)
	var logs bytes.Buffer
	c := e.compactor()
	c.batchBytes, c.bulkBytes, c.workers = 16<<10, 0, 1
	c.log = slog.New(slog.NewTextHandler(&logs, nil))
	other := e.compactor()
	other.batchBytes, other.bulkBytes = 16<<10, math.MaxInt64
	once := false
	c.afterBatch = func() {
		if !once {
			once = true
			if _, err := other.compactLocked(ctx, hourWindow(day)); err != nil {
				t.Error(err)
			}
		}
	}
	if _, err := c.compact(ctx, dayWindow(day)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "compacting it batch by batch") {
		t.Errorf("the bulk compaction did not fall back; logs:\n%s", logs.String())
	}
	sameRows(t, "after falling back", allRows(t, pool, e), before)
	if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.Points); n != 0 {
		t.Errorf("vitals_points holds %d rows after compaction, want 0", n)
	}
}

// TestCompactConcurrently: processes compacting the same day at once
// store every point once, even if they did not take the compaction lock
// in turn.
func TestCompactConcurrently(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{CompactAfter: -1})
	day := compactTestDay()
	reg := metrics.NewRegistry()
	exportIntervals(t, e, reg, soakWorkload(reg, 100), rand.New(rand.NewPCG(5, 6)), day, 60, false)
	before := allRows(t, pool, e)
	others := make([]*Exporter, 3)
	for i := range others {
		others[i], _ = xpNew(t, Config{Schema: e.cfg.Schema, CompactAfter: -1})
	}
	ctx := xpCtx(t)
	errs := make(chan error, len(others))
	for _, o := range others {
		go func() {
			c := o.compactor()
			c.batchBytes = 16 << 10
			_, err := c.compactLocked(ctx, dayWindow(day)) // all at once, as if each held the compaction lock
			errs <- err
		}()
	}
	for range others {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	sameRows(t, "after concurrent compactions", allRows(t, pool, e), before)
	if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.Points); n != 0 {
		t.Errorf("vitals_points holds %d rows after compaction, want 0", n)
	}
}

// TestCompactByMaintenance: the maintenance compacts the days that ended
// CompactAfter ago, and drops the blocks with the day's partition once
// they are past the retention.
func TestCompactByMaintenance(t *testing.T) {
	t.Parallel()
	writer, pool := xpNew(t, Config{CompactAfter: -1})
	day := compactTestDay()
	reg := metrics.NewRegistry()
	exportIntervals(t, writer, reg, exampleWorkload(reg), rand.New(rand.NewPCG(7, 8)), day, 10, false)
	before := allRows(t, pool, writer)
	e, _ := xpNew(t, Config{Schema: writer.cfg.Schema, CompactAfter: time.Hour})
	ctx := xpCtx(t)
	for countRows(t, pool, "SELECT count(*) FROM "+e.n.Points) > 0 {
		select {
		case <-ctx.Done():
			t.Fatal("the maintenance did not compact the day")
		case <-time.After(20 * time.Millisecond):
		}
	}
	sameRows(t, "after the maintenance compacted", allRows(t, pool, e), before)

	// Past the retention: a maintenance whose retention ends after the day
	// drops both partitions.
	p := partitions{pool: pool, n: e.n, ahead: 1, retention: time.Since(day.AddDate(0, 0, 1)) - time.Minute,
		log: e.log, known: map[time.Time]bool{}, failed: map[time.Time]bool{}}
	if err := p.maintain(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.PointsAll); n != 0 {
		t.Errorf("%d points left past the retention", n)
	}
	days, err := blocksDays(ctx, pool, e.n)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(days, day) {
		t.Errorf("the blocks of %v are kept past the retention", day)
	}
}

// TestCompactLock: while a process holds the compaction lock, the
// maintenance of the others skips its run, and Compact waits.
func TestCompactLock(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{CompactAfter: -1})
	day := compactTestDay()
	reg := metrics.NewRegistry()
	exportIntervals(t, e, reg, exampleWorkload(reg), rand.New(rand.NewPCG(13, 14)), day, 10, false)
	ctx := xpCtx(t)
	holder := e.compactor()
	unlock, err := holder.lock(ctx)
	if err != nil || unlock == nil {
		t.Fatalf("lock: %v, %v", unlock != nil, err)
	}
	c := e.compactor()
	c.after = time.Hour
	if err := c.run(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.Blocks); n != 0 {
		t.Fatalf("the maintenance compacted %d series while another process held the lock", n)
	}
	done := make(chan error)
	go func() {
		_, err := e.Compact(ctx, day)
		done <- err
	}()
	// Compact waits for the lock.
	for countRows(t, pool, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
		AND classid::bigint = ($1::bigint >> 32) & 4294967295 AND objid::bigint = $1::bigint & 4294967295`, compactLockKey(e.n.Schema)) == 0 {
		select {
		case err := <-done:
			t.Fatalf("Compact returned (%v) while another process held the lock", err)
		case <-ctx.Done():
			t.Fatal("Compact does not wait for the lock")
		case <-time.After(10 * time.Millisecond):
		}
	}
	unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if countRows(t, pool, "SELECT count(*) FROM "+e.n.Blocks) == 0 {
		t.Error("Compact compacted nothing once the lock was free")
	}
}

// TestCompactNothing: a day without rows compacts to nothing, and a day
// without a partition is an error.
func TestCompactNothing(t *testing.T) {
	t.Parallel()
	e, _ := xpNew(t, Config{CompactAfter: -1})
	ctx := xpCtx(t)
	st, err := e.Compact(ctx, time.Now())
	if err != nil || st.Points != 0 || st.Series != 0 {
		t.Errorf("Compact(today) = %+v, %v; want nothing done", st, err)
	}
	if _, err := e.Compact(ctx, time.Now().AddDate(-1, 0, 0)); err == nil {
		t.Error("Compact of a day without a partition: no error")
	}
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Compact(ctx, time.Now()); !errors.Is(err, exporters.ErrShutdown) {
		t.Errorf("Compact after Shutdown: %v, want exporters.ErrShutdown", err)
	}
}
