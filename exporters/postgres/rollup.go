package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// Rollups. vitals_rollup_1m holds, per series and UTC minute, the merge of
// the minute's points; vitals_rollup_1h, per series and UTC hour, the merge
// of the hour's minutes (see pgschema.RollupColumns for what merging does
// to each column). They are materialised incrementally by the maintenance,
// never by refreshing a whole view:
//
//   - vitals_rollup_state holds, per level, the range [rolled_from,
//     rolled_to) it covers. The hours covered are the whole hours of the
//     minutes covered.
//   - Forward: each run rolls up the minutes that closed since rolled_to,
//     rollupDelay after their end, and then the hours those complete.
//   - Late points: each run then counts, minute by minute, the points of
//     the last rollupLateness + 2 runs' worth of covered minutes, and rolls
//     up again every minute whose count differs from what its rollup rows
//     merged (and the hour holding it). So a point written at most
//     rollupLateness after the end of its minute is in the rollups after
//     the next run, when runs are at most a minute apart, as the
//     Exporter's are.
//   - Marked minutes: a snapshot written later than that (replayed from
//     the disk spool, retried) has its minute marked in
//     vitals_rollup_dirty by the writer (rollup_mark.go), and each run
//     then rolls the marked minutes, and their hours, up again, and
//     deletes their marks (rollup_redo.go).
//   - Backfill: when there is no more to do, each run extends the range
//     backwards, towards the oldest day of vitals_points within the
//     retention (the data of a schema that had no rollups yet).
//
// Every step is a transaction of its own that first takes the schema's
// rollup advisory lock with pg_try_advisory_xact_lock: while one process
// rolls up, the others skip their run, and the state, read under the lock,
// always says exactly what the rollup tables hold. A process dying
// mid-step rolls its transaction back. Rows are written by INSERT ...
// SELECT ... GROUP BY ... ON CONFLICT DO UPDATE, so rolling an interval up
// twice stores it once.
const (
	// rollupDelay is how long after its end a minute is rolled up: by then
	// the points of its snapshots have been written.
	rollupDelay = time.Minute
	// rollupLateness bounds how late after the end of its minute a point
	// may be written and still be in the rollups.
	rollupLateness = 10 * time.Minute
	// rollupEvery bounds the time between two rollup runs of an Exporter.
	rollupEvery = time.Minute
	// The range of a step of forward rolling or backfill: the first, the
	// bounds, and the step durations (as a share of the timeout) under
	// which it doubles or over which it halves.
	rollupFirstChunk  = 10 * time.Minute
	rollupMinChunk    = time.Minute
	rollupMaxChunk    = 24 * time.Hour
	rollupGrowShare   = 20
	rollupShrinkShare = 4
)

// rollups maintains one schema's rollup tables.
type rollups struct {
	pool      *pgxpool.Pool
	n         pgschema.Names
	r         pgschema.RollupNames
	retention time.Duration
	timeout   time.Duration // of one step, and the budget of one run
	every     time.Duration // between runs
	log       *slog.Logger
	clock     func() time.Time // replaces the server's and this process's clocks in tests; nil in use
	sqlMark   string           // rollupMarkSQL, for the writer

	// Used by the maintenance goroutine only.
	chunk time.Duration   // of the next forward or backfill step
	known map[string]bool // rollup partitions known to exist
}

func newRollups(pool *pgxpool.Pool, n pgschema.Names, cfg Config) *rollups {
	return &rollups{
		pool: pool, n: n, r: n.Rollups(),
		retention: cfg.Retention, timeout: cfg.Timeout, every: min(cfg.MaintenanceInterval, rollupEvery), log: cfg.Logger,
		sqlMark: rollupMarkSQL(n), chunk: rollupFirstChunk, known: map[string]bool{},
	}
}

// run is one maintenance run; it logs its error.
func (r *rollups) run(ctx context.Context) {
	if err := r.maintain(ctx); err != nil && ctx.Err() == nil {
		r.log.Error("postgres: rollup maintenance failed; retrying at the next run", "schema", r.n.Schema, "error", err)
	}
}

// span is a range of time [from, to).
type span struct{ from, to time.Time }

func (s span) empty() bool { return !s.from.Before(s.to) }

// rollupState is what vitals_rollup_state says, and the server's clock.
type rollupState struct {
	now       time.Time
	m, h      span // the minutes and the hours covered
	checkedAt pgtype.Timestamptz
	marked    bool // minutes are marked to be rolled up again
}

// maintain drops the expired rollup partitions, creates those it may
// need, then takes steps (forward, check for late points, marked minutes,
// backfill) until there is nothing left to do, another process holds the
// rollup lock, or the run has taken r.timeout.
func (r *rollups) maintain(ctx context.Context) error {
	start := time.Now()
	cutoff := start.Add(-r.retention)
	for _, rt := range []rollupTable{minuteTable, hourTable} {
		dropped, err := dropExpiredRollupPartitions(ctx, r.pool, r.n, rt, cutoff)
		for _, name := range dropped {
			delete(r.known, name)
		}
		if len(dropped) > 0 {
			r.log.Info("postgres: dropped expired rollup partitions", "schema", r.n.Schema, "partitions", dropped)
		}
		if err != nil {
			return err
		}
	}
	days, err := r.dataDays(ctx, cutoff)
	if err != nil {
		return err
	}
	first := dayOf(start)
	if len(days) > 0 {
		first = minTime(first, days[0])
	}
	if err := r.ensurePartitions(ctx, first, dayOf(start).AddDate(0, 0, 1)); err != nil {
		clear(r.known)
		return err
	}
	s := &rollupStep{r: r, days: days, ids: map[time.Time][]int64{}, cutoff: cutoff}
	for time.Since(start) < r.timeout {
		began := time.Now()
		did, chunked, err := s.take(ctx)
		if err != nil {
			clear(r.known) // perhaps a partition dropped behind our back
			return err
		}
		if !did {
			return nil
		}
		if chunked {
			r.adapt(time.Since(began))
		}
	}
	return nil
}

// adapt doubles the chunk after a quick step, halves it after a slow one.
func (r *rollups) adapt(took time.Duration) {
	switch {
	case took < r.timeout/rollupGrowShare:
		r.chunk = min(2*r.chunk, rollupMaxChunk)
	case took > r.timeout/rollupShrinkShare:
		r.chunk = max(r.chunk/2, rollupMinChunk)
	}
}

// dataDays returns the days, ascending, that may hold points within the
// retention: those with a partition of vitals_points, and those of the
// rows in its default partition.
func (r *rollups) dataDays(ctx context.Context, cutoff time.Time) ([]time.Time, error) {
	parts, err := partitionDays(ctx, r.pool, r.n)
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	stray, err := strayDays(ctx, r.pool, r.n)
	if err != nil {
		return nil, fmt.Errorf("list rows in the default partition: %w", err)
	}
	var days []time.Time
	for _, d := range append(parts, stray...) {
		if d = dayOf(d); d.AddDate(0, 0, 1).After(cutoff) {
			days = append(days, d)
		}
	}
	slices.SortFunc(days, func(a, b time.Time) int { return a.Compare(b) })
	return slices.CompactFunc(days, time.Time.Equal), nil
}

// ensurePartitions creates the rollup partitions of the days [from, to]
// and of their months.
func (r *rollups) ensurePartitions(ctx context.Context, from, to time.Time) error {
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		for _, rt := range []rollupTable{minuteTable, hourTable} {
			name, _, _ := rt.partition(d)
			if r.known[name] {
				continue
			}
			if err := ensureRollupPartition(ctx, r.pool, r.n, rt, d); err != nil {
				return err
			}
			r.known[name] = true
		}
	}
	return nil
}

// rollupLockKey is the pg_try_advisory_xact_lock key of a schema's rollup
// steps: FNV-1a 64 of "vitals", a zero byte, the schema name, a zero byte
// and "rollup"; it differs from lockKey, the schema's DDL lock.
func rollupLockKey(schema string) int64 {
	h := uint64(fnvOffset)
	h = fnvString(h, "vitals")
	h = fnvByte(h, 0)
	h = fnvString(h, schema)
	h = fnvByte(h, 0)
	h = fnvString(h, "rollup")
	return int64(h)
}

// readRollupState reads the state, under the rollup lock.
func readRollupState(ctx context.Context, tx pgx.Tx, n pgschema.Names) (rollupState, error) {
	var s rollupState
	err := tx.QueryRow(ctx, rollupStateSQL(n)).Scan(&s.now, &s.m.from, &s.m.to, &s.checkedAt, &s.h.from, &s.h.to, &s.marked)
	if err != nil {
		return s, fmt.Errorf("read %s: %w", pgschema.RollupStateTable, err)
	}
	return s, nil
}

// hoursOf returns the whole hours of the minutes m: an empty span at the
// first whole hour when there are none.
func hoursOf(m span) span {
	from := ceilTime(m.from, time.Hour)
	return span{from, maxTime(m.to.Truncate(time.Hour), from)}
}

// minus returns the parts of s not in o: none, one or two spans.
func (s span) minus(o span) []span {
	if o.empty() {
		return []span{s}
	}
	var out []span
	if left := (span{s.from, minTime(s.to, o.from)}); !left.empty() {
		out = append(out, left)
	}
	if right := (span{maxTime(s.from, o.to), s.to}); !right.empty() {
		out = append(out, right)
	}
	return out
}

// byDay cuts s at UTC midnights.
func (s span) byDay() []span {
	var out []span
	for from := s.from; from.Before(s.to); {
		to := minTime(s.to, dayOf(from).AddDate(0, 0, 1))
		out = append(out, span{from, to})
		from = to
	}
	return out
}

func ceilTime(t time.Time, d time.Duration) time.Time {
	if c := t.Truncate(d); c.Before(t) {
		return c.Add(d)
	}
	return t
}

func minTime(t time.Time, more ...time.Time) time.Time {
	for _, u := range more {
		if u.Before(t) {
			t = u
		}
	}
	return t
}

func maxTime(t, u time.Time) time.Time {
	if u.After(t) {
		return u
	}
	return t
}
