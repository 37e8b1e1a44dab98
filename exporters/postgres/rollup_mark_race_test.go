package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/internal/testkit"
)

// TestRollupMarkDuringRun marks a minute again while a maintenance run
// rolls it up again, in the two windows where a mark could be lost, each
// held open by a lock that the test takes and then releases:
//
//   - after the run read the minute's points and before it deletes the
//     mark (the test locks vitals_rollup_1h, which the run writes in
//     between): the mark changes the count, so the run keeps it;
//   - after the run deleted the mark and before it commits (the test
//     locks the row of vitals_rollup_state that the run updates last): the
//     writer waits for the run, then marks the minute afresh.
//
// Either way, the points written meanwhile are in the rollups once the
// runs are over.
func TestRollupMarkDuringRun(t *testing.T) {
	t.Parallel()
	rt := newRollupTester(t)
	ctx := xpCtx(t)
	now := rt.clock()
	hour := now.UTC().Truncate(time.Hour).Add(-2 * time.Hour)
	for i := range 40 {
		rt.export(t, hour.Add(time.Duration(i)*30*time.Second), mixSeries(i)...)
	}
	rt.maintain(t, now)
	minute := hour.Add(5 * time.Minute)
	h1 := rt.n.Rollups().H1

	// The first window.
	rt.export(t, minute.Add(10*time.Second), mixSeries(100)...)
	lock := rt.lock(t, "LOCK TABLE "+h1+" IN EXCLUSIVE MODE")
	run := rt.runAsync(ctx)
	rt.waitForLock(t, "INSERT INTO "+h1)
	rt.export(t, minute.Add(20*time.Second), mixSeries(101)...)
	lock.release(t)
	if err := <-run; err != nil {
		t.Fatalf("maintain: %v", err)
	}
	rt.checkRollups(t, "marked while the run read the points")
	if marked := rt.marked(t); len(marked) > 0 {
		t.Errorf("marked minutes %v after the run, want none", marked)
	}

	// The second window. The run skips its check for late points, which
	// the run before did just now, so that its first step is the redo.
	rt.r.every = time.Hour
	rt.export(t, minute.Add(40*time.Second), mixSeries(102)...)
	lock = rt.lock(t, "SELECT FROM "+rt.n.Rollups().State+" WHERE level = '1m' FOR UPDATE")
	run = rt.runAsync(ctx)
	rt.waitForLock(t, "UPDATE "+rt.n.Rollups().State)
	exported := make(chan error, 1)
	go func() { exported <- rt.e.Export(ctx, metricsSnapshot(minute.Add(50*time.Second), mixSeries(103))) }()
	rt.waitForLock(t, "INSERT INTO "+rollupDirtyName(rt.n))
	lock.release(t)
	if err := <-run; err != nil {
		t.Fatalf("maintain: %v", err)
	}
	if err := <-exported; err != nil {
		t.Fatalf("Export: %v", err)
	}
	rt.maintain(t, now)
	rt.checkRollups(t, "marked while the run deleted the mark")
	if marked := rt.marked(t); len(marked) > 0 {
		t.Errorf("marked minutes %v after the run, want none", marked)
	}
}

// heldLock is a transaction holding a lock.
type heldLock struct{ tx pgx.Tx }

// lock runs stmt, which takes a lock, in a transaction that holds it
// until release.
func (rt *rollupTester) lock(t *testing.T, stmt string) heldLock {
	t.Helper()
	tx, err := rt.pool.Begin(xpCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	if _, err := tx.Exec(xpCtx(t), stmt); err != nil {
		t.Fatal(err)
	}
	return heldLock{tx}
}

func (l heldLock) release(t *testing.T) {
	t.Helper()
	if err := l.tx.Rollback(xpCtx(t)); err != nil {
		t.Fatal(err)
	}
}

// runAsync runs the maintenance, at the time the test set, in a goroutine
// of its own, and sends its error when it returns.
func (rt *rollupTester) runAsync(ctx context.Context) <-chan error {
	done := make(chan error, 1)
	go func() { done <- rt.r.maintain(ctx) }()
	return done
}

// waitForLock waits until a statement of this schema that begins with
// prefix waits for a lock.
func (rt *rollupTester) waitForLock(t *testing.T, prefix string) {
	t.Helper()
	testkit.Poll(t, 30*time.Second, "a statement "+prefix+"... waiting for a lock", func() bool {
		var waiting bool
		err := rt.pool.QueryRow(xpCtx(t), `SELECT EXISTS (SELECT FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND starts_with(query, $1))`, prefix).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		return waiting
	})
}
