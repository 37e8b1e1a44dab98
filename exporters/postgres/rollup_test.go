package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// checkRollups compares both rollup tables, over the range the state says
// they cover, with the merge in Go of the points stored.
func (rt *rollupTester) checkRollups(t *testing.T, label string) {
	t.Helper()
	raw := rt.rawRows(t)
	m, h := rt.state(t)
	r := rt.n.Rollups()
	checkRollRows(t, label+", 1m", rt.rollRows(t, r.M1), expectRollup(raw, time.Minute, m.from, m.to))
	checkRollRows(t, label+", 1h", rt.rollRows(t, r.H1), expectRollup(raw, time.Hour, h.from, h.to))
}

// TestRollupMatchesPoints backfills the points written before the schema
// had rollups, then rolls forward the next ones, and checks both tables
// against the merge of the points computed in Go, for every kind of
// series: buckets and counts exactly.
func TestRollupMatchesPoints(t *testing.T) {
	t.Parallel()
	rt := newRollupTester(t)
	hour := time.Now().UTC().Truncate(time.Hour)

	// Before: 100 minutes of 10 s flushes, from 3 hours ago.
	base := hour.Add(-3 * time.Hour)
	for i := range 600 {
		rt.export(t, base.Add(time.Duration(i)*10*time.Second), mixSeries(i)...)
	}
	rt.maintain(t, time.Now())
	m, h := rt.state(t)
	if m.from.After(base) || h.from.After(base) || !h.to.After(base.Add(time.Hour)) {
		t.Fatalf("after backfill: minutes %v, hours %v; want both from %v on", m, h, base)
	}
	rt.checkRollups(t, "backfill")
	if n := len(rt.rollRows(t, rt.n.Rollups().H1)); n != 5*2 {
		t.Errorf("%d hour rows, want 10 (5 series, 2 hours)", n)
	}

	// After: the next 40 minutes, an hour from now, rolled forward.
	next := hour.Add(time.Hour)
	for i := 600; i < 840; i++ {
		rt.export(t, next.Add(time.Duration(i-600)*10*time.Second), mixSeries(i)...)
	}
	rt.maintain(t, next.Add(45*time.Minute))
	m, h = rt.state(t)
	if want := next.Add(44 * time.Minute); !m.to.Equal(want) || !h.to.Equal(next) {
		t.Fatalf("after the forward roll: minutes %v, hours %v; want minutes to %v, hours to %v", m, h, want, next)
	}
	rt.checkRollups(t, "forward")
	rt.maintain(t, next.Add(2*time.Hour+time.Minute))
	if _, h = rt.state(t); !h.to.Equal(next.Add(2 * time.Hour)) {
		t.Fatalf("hours to %v, want %v", h.to, next.Add(2*time.Hour))
	}
	rt.checkRollups(t, "hours closed")
}

// TestRollupLatePoints writes points into minutes already rolled up: one
// written within rollupLateness of its minute's end is found by the check
// for late points, a later one by the mark of its minute; both are rolled
// up again with their hour at the next run.
func TestRollupLatePoints(t *testing.T) {
	t.Parallel()
	rt := newRollupTester(t)
	base := time.Now().UTC().Truncate(time.Hour).Add(time.Hour)
	for i := range 240 { // base-30m to base+10m
		rt.export(t, base.Add(-30*time.Minute+time.Duration(i)*10*time.Second), mixSeries(i)...)
	}
	rt.maintain(t, base.Add(6*time.Minute))
	if m, h := rt.state(t); !m.to.Equal(base.Add(5*time.Minute)) || !h.to.Equal(base) || h.from.After(base.Add(-time.Hour)) {
		t.Fatalf("minutes %v, hours %v", m, h)
	}
	rt.checkRollups(t, "first")

	// Late: base-3m+5s, written 8 minutes after its minute ended; its hour
	// (base-1h) is rolled up.
	rt.export(t, base.Add(-3*time.Minute+5*time.Second), mixSeries(1000)...)
	rt.maintain(t, base.Add(7*time.Minute))
	rt.checkRollups(t, "late")

	// Later: base-25m+5s, written 31 minutes after its minute ended.
	rt.export(t, base.Add(-25*time.Minute+5*time.Second), mixSeries(1001)...)
	if marked := rt.marked(t); len(marked) != 1 || !marked[0].Equal(base.Add(-25*time.Minute)) {
		t.Fatalf("marked minutes %v, want %v", marked, base.Add(-25*time.Minute))
	}
	rt.maintain(t, base.Add(8*time.Minute))
	rt.checkRollups(t, "later")
	if marked := rt.marked(t); len(marked) > 0 {
		t.Errorf("marked minutes %v after the run, want none", marked)
	}
}

// TestRollupIdempotent rolls everything up again from scratch, over the
// rows already there: the tables end the same.
func TestRollupIdempotent(t *testing.T) {
	t.Parallel()
	rt := newRollupTester(t)
	base := time.Now().UTC().Truncate(time.Hour).Add(-2 * time.Hour)
	for i := range 120 {
		rt.export(t, base.Add(time.Duration(i)*30*time.Second), mixSeries(i)...)
	}
	rt.maintain(t, time.Now())
	r := rt.n.Rollups()
	m1, h1 := rt.rollRows(t, r.M1), rt.rollRows(t, r.H1)
	start := time.Now().UTC().Truncate(time.Minute)
	if _, err := rt.pool.Exec(xpCtx(t), "UPDATE "+r.State+" SET rolled_from = $1, rolled_to = $1, checked_at = NULL", start); err != nil {
		t.Fatal(err)
	}
	rt.maintain(t, time.Now())
	checkRollRows(t, "1m again", rt.rollRows(t, r.M1), m1)
	checkRollRows(t, "1h again", rt.rollRows(t, r.H1), h1)
	rt.checkRollups(t, "again")
}

// TestRollupConcurrentProcesses runs the maintenance of four processes
// (pools) at once, while points are written: every minute is rolled up
// once, and the tables match the points.
func TestRollupConcurrentProcesses(t *testing.T) {
	t.Parallel()
	rt := newRollupTester(t)
	base := time.Now().UTC().Truncate(time.Hour).Add(time.Hour)
	stop := rt.maintainConcurrently(t, 4)
	for i := range 270 { // 45 minutes, the clock following
		at := base.Add(time.Duration(i) * 10 * time.Second)
		rt.setNow(at.Add(rollupDelay))
		rt.export(t, at, mixSeries(i)...)
	}
	stop()
	// Once more, alone, when the last minutes have closed.
	rt.maintain(t, base.Add(50*time.Minute))
	if m, _ := rt.state(t); !m.to.Equal(base.Add(49 * time.Minute)) {
		t.Fatalf("minutes %v", m)
	}
	rt.checkRollups(t, "concurrent")
}

// TestRollupInterrupted cuts runs short at growing deadlines, as a process
// dying mid-step would: whatever was committed is consistent, and the
// next full run completes the tables.
func TestRollupInterrupted(t *testing.T) {
	t.Parallel()
	rt := newRollupTester(t)
	base := time.Now().UTC().Truncate(time.Hour).Add(-2 * time.Hour)
	for i := range 360 {
		rt.export(t, base.Add(time.Duration(i)*15*time.Second), mixSeries(i)...)
	}
	rt.setNow(time.Now())
	rt.r.chunk = rollupMinChunk
	interrupted := 0
	for d := time.Millisecond; d < 10*time.Second; d *= 2 {
		ctx, cancel := context.WithTimeout(xpCtx(t), d)
		err := rt.r.maintain(ctx)
		cancel()
		if err == nil {
			break
		}
		if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "timeout") {
			t.Fatalf("maintain, cut after %v: %v", d, err)
		}
		interrupted++
		m, h := rt.state(t)
		r := rt.n.Rollups()
		raw := rt.rawRows(t)
		checkRollRows(t, "interrupted, 1m", rt.rollRows(t, r.M1), expectRollup(raw, time.Minute, m.from, m.to))
		checkRollRows(t, "interrupted, 1h", rt.rollRows(t, r.H1), expectRollup(raw, time.Hour, h.from, h.to))
	}
	if interrupted == 0 {
		t.Errorf("no run was interrupted")
	}
	rt.maintain(t, time.Now())
	rt.checkRollups(t, "completed")
}

// TestRollupRetention drops the rollup partitions that ended before the
// retention, and keeps the others.
func TestRollupRetention(t *testing.T) {
	t.Parallel()
	rt := newRollupTester(t)
	ctx := xpCtx(t)
	now := time.Now()
	old := now.Add(-rt.e.cfg.Retention).AddDate(0, -2, -1)
	for _, rt2 := range []rollupTable{minuteTable, hourTable} {
		for _, at := range []time.Time{old, now} {
			if err := ensureRollupPartition(ctx, rt.pool, rt.n, rt2, at); err != nil {
				t.Fatal(err)
			}
		}
	}
	rt.maintain(t, now)
	rows, err := rt.pool.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent IN (to_regclass($1), to_regclass($2)) ORDER BY 1`, rt.n.Rollups().M1, rt.n.Rollups().H1)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	oldM, _, _ := minuteTable.partition(old)
	oldH, _, _ := hourTable.partition(old)
	nowM, _, _ := minuteTable.partition(now)
	nowH, _, _ := hourTable.partition(now)
	if slices.Contains(parts, oldM) || slices.Contains(parts, oldH) || !slices.Contains(parts, nowM) || !slices.Contains(parts, nowH) {
		t.Errorf("partitions %v; want %s and %s dropped, %s and %s kept", parts, oldM, oldH, nowM, nowH)
	}
}

// TestExporterRollsUp checks that an Exporter's maintenance rolls up, on
// the server's clock.
func TestExporterRollsUp(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{MaintenanceInterval: 20 * time.Millisecond})
	ctx := xpCtx(t)
	at := time.Now().Add(-5 * time.Minute).Truncate(time.Minute)
	for i := range 6 {
		snap := mixSeries(i)
		if err := e.Export(ctx, metricsSnapshot(at.Add(time.Duration(i)*10*time.Second), snap)); err != nil {
			t.Fatal(err)
		}
	}
	for {
		var n int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+e.n.Rollups().M1).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 5 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d rows in vitals_rollup_1m, want 5", n)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestRollupCompactedDay rolls up a day that was compacted into blocks of
// the whole day (as before migration 9), and late points written to it
// afterwards.
func TestRollupCompactedDay(t *testing.T) {
	t.Parallel()
	rt := newRollupTester(t)
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -2)
	for i := range 180 {
		rt.export(t, day.Add(20*time.Hour+time.Duration(i)*20*time.Second), mixSeries(i)...)
	}
	if st, err := rt.e.Compact(xpCtx(t), day); err != nil || st.Points == 0 {
		t.Fatalf("Compact: %+v, %v", st, err)
	}
	dayBlocks(t, rt.e.compactor())                                       // as compaction wrote them before migration 9
	rt.export(t, day.Add(20*time.Hour+5*time.Second), mixSeries(500)...) // raw, beside the blocks
	rt.maintain(t, time.Now())
	if m, _ := rt.state(t); m.from.After(day) {
		t.Fatalf("minutes %v, want from %v", m, day)
	}
	rt.checkRollups(t, "compacted")
	if n := len(rt.rollRows(t, rt.n.Rollups().M1)); n != 5*60 {
		t.Errorf("%d minute rows, want 300 (5 series, 60 minutes)", n)
	}
}

// TestRollupCompactedHours rolls up a day whose hours were compacted into
// blocks of an hour before, and late points written to it afterwards.
func TestRollupCompactedHours(t *testing.T) {
	t.Parallel()
	rt := newRollupTester(t)
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -2)
	for i := range 180 {
		rt.export(t, day.Add(19*time.Hour+30*time.Minute+time.Duration(i)*20*time.Second), mixSeries(i)...)
	}
	c := rt.e.compactor()
	for _, h := range []time.Duration{19, 20} {
		if st, err := c.compact(xpCtx(t), hourWindow(day.Add(h*time.Hour))); err != nil || st.Points == 0 {
			t.Fatalf("compact hour %d: %+v, %v", h, st, err)
		}
	}
	rt.export(t, day.Add(20*time.Hour+5*time.Second), mixSeries(500)...) // raw, beside the blocks
	rt.maintain(t, time.Now())
	rt.checkRollups(t, "hours compacted")
	if n := len(rt.rollRows(t, rt.n.Rollups().M1)); n != 5*60 {
		t.Errorf("%d minute rows, want 300 (5 series, 60 minutes)", n)
	}
}

// TestRollupHugeCounts rolls up buckets whose counts do not fit the packed
// buckets: the arrays hold them, and the packed column is NULL.
func TestRollupHugeCounts(t *testing.T) {
	t.Parallel()
	rt := newRollupTester(t)
	at := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	rt.export(t, at, mixSeries(1)...)
	var id int64
	if err := rt.pool.QueryRow(xpCtx(t), "SELECT id FROM "+rt.n.Series+" WHERE name = 'rq.latency'").Scan(&id); err != nil {
		t.Fatal(err)
	}
	_, err := rt.pool.Exec(xpCtx(t), "INSERT INTO "+rt.n.Points+` (series_id, ts, count, sum, min, max, bucket_idx, bucket_cnt)
		VALUES ($1, $2, 3000000001, 3000000001, 1, 1, '{35}', '{3000000000}')`, id, at.Add(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	rt.maintain(t, time.Now())
	rt.checkRollups(t, "huge")
	rows := rt.rollRows(t, rt.n.Rollups().M1)
	if i := slices.IndexFunc(rows, func(r rollRow) bool { return r.name == "rq.latency" }); i < 0 || rows[i].packed != nil {
		t.Errorf("rq.latency rows %+v; want one, without packed buckets", rows)
	}
}
