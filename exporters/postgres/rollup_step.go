package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// rollupStep takes the steps of one maintenance run (see rollup.go).
type rollupStep struct {
	r       *rollups
	days    []time.Time           // that may hold points, ascending
	ids     map[time.Time][]int64 // the series with points, by day, read once per run
	cutoff  time.Time             // the start of the retention
	checked bool                  // the run has checked for late points
	redone  bool                  // the marked minutes left wait for the next run
}

// take takes the next step, in its own transaction under the rollup lock:
// rolls minutes forward, checks for late points (once per run, and not
// when another process did within half a run interval), rolls marked
// minutes up again, or backfills. It reports whether it did anything, and
// whether that was a chunk of minutes (whose duration adapts the next
// chunk's). A step cut short by r.timeout halves the chunk, so that the
// next run's step can end.
func (s *rollupStep) take(parent context.Context) (did, chunked bool, err error) {
	r := s.r
	ctx, cancel := context.WithTimeout(parent, r.timeout)
	defer cancel()
	err = pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		var locked bool
		if err := tx.QueryRow(ctx, "SELECT pg_try_advisory_xact_lock($1)", rollupLockKey(r.n.Schema)).Scan(&locked); err != nil {
			return fmt.Errorf("rollup lock: %w", err)
		}
		if !locked {
			return nil // another process is rolling up
		}
		st, err := readRollupState(ctx, tx, r.n)
		if err != nil {
			return err
		}
		if r.clock != nil {
			st.now = r.clock()
		}
		closed := st.now.Add(-rollupDelay).Truncate(time.Minute)
		m := st.m
		var checkedAt pgtype.Timestamptz
		switch {
		case m.to.Before(closed):
			todo := span{m.to, minTime(closed, m.to.Add(r.chunk), dayOf(m.to).AddDate(0, 0, 1))}
			if err := s.rollMinutes(ctx, tx, todo, false); err != nil {
				return err
			}
			m.to, chunked = todo.to, true
		case !s.checked && (!st.checkedAt.Valid || st.now.Sub(st.checkedAt.Time) >= r.every/2):
			s.checked = true
			if err := s.recheck(ctx, tx, st); err != nil {
				return err
			}
			checkedAt = pgtype.Timestamptz{Time: st.now, Valid: true}
		case st.marked && !s.redone:
			n, err := s.redo(ctx, tx, st)
			if err != nil {
				return err
			}
			s.redone, chunked = n == 0, n > 0
		case len(s.days) > 0 && m.from.After(s.days[0]):
			from, roll := s.backfillFrom(m.from)
			if roll {
				if err := s.rollMinutes(ctx, tx, span{from, m.from}, false); err != nil {
					return err
				}
			}
			m.from, chunked = from, roll
		default:
			return nil
		}
		did = true
		h := hoursOf(m)
		for _, todo := range h.minus(st.h) {
			if err := s.rollHours(ctx, tx, todo, false); err != nil {
				return err
			}
		}
		return s.save(ctx, tx, m, h, checkedAt)
	})
	if err != nil {
		if ctx.Err() != nil && parent.Err() == nil {
			r.chunk = max(r.chunk/2, rollupMinChunk)
		}
		return false, false, fmt.Errorf("rollup: %w", err)
	}
	return did, chunked, nil
}

// backfillFrom returns where a backfill step that ends at to starts: a
// chunk back, but not past the start of to's day nor the oldest day, and
// whether it rolls anything up: not when the day has no points.
func (s *rollupStep) backfillFrom(to time.Time) (time.Time, bool) {
	day := dayOf(to.Add(-time.Microsecond))
	from := maxTime(maxTime(to.Add(-s.r.chunk), day), s.days[0])
	for _, d := range s.days {
		if d.Equal(day) {
			return from, true
		}
	}
	return maxTime(day, s.days[0]), false
}

// seriesOf returns the ids of the series with points in day, read once
// per run.
func (s *rollupStep) seriesOf(ctx context.Context, tx pgx.Tx, day time.Time) ([]int64, error) {
	if ids, ok := s.ids[day]; ok {
		return ids, nil
	}
	var ids []int64
	if err := tx.QueryRow(ctx, rollupIDsSQL(s.r.n), day, day.AddDate(0, 0, 1)).Scan(&ids); err != nil {
		return nil, fmt.Errorf("list the series of %s: %w", day.Format(time.DateOnly), err)
	}
	s.ids[day] = ids
	return ids, nil
}

// rollMinutes rolls up the points of todo into vitals_rollup_1m, first
// deleting the rows there when again.
func (s *rollupStep) rollMinutes(ctx context.Context, tx pgx.Tx, todo span, again bool) error {
	return s.roll(ctx, tx, todo, again, s.r.r.M1, rollupMinutesSQL(s.r.n), true)
}

// rollHours rolls up the minutes of todo into vitals_rollup_1h, first
// deleting the rows there when again.
func (s *rollupStep) rollHours(ctx context.Context, tx pgx.Tx, todo span, again bool) error {
	return s.roll(ctx, tx, todo, again, s.r.r.H1, rollupHoursSQL(s.r.n), false)
}

// roll runs sql over todo, day by day, for the series with points that
// day; sql takes the day as $4 when withDay.
func (s *rollupStep) roll(ctx context.Context, tx pgx.Tx, todo span, again bool, dst, sql string, withDay bool) error {
	for _, part := range todo.byDay() {
		day := dayOf(part.from)
		ids, err := s.seriesOf(ctx, tx, day)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			continue
		}
		if again {
			if _, err := tx.Exec(ctx, rollupDeleteSQL(dst), ids, part.from, part.to); err != nil {
				return fmt.Errorf("clear %s [%s, %s): %w", dst, part.from.UTC().Format(time.RFC3339), part.to.UTC().Format(time.RFC3339), err)
			}
		}
		args := []any{ids, part.from, part.to}
		if withDay {
			args = append(args, day)
		}
		if _, err := tx.Exec(ctx, sql, args...); err != nil {
			return fmt.Errorf("roll up %s [%s, %s): %w", dst, part.from.UTC().Format(time.RFC3339), part.to.UTC().Format(time.RFC3339), err)
		}
	}
	return nil
}

// recheck rolls up again the recent minutes that received points after
// they were rolled up, and their hours.
func (s *rollupStep) recheck(ctx context.Context, tx pgx.Tx, st rollupState) error {
	r := s.r
	window := span{maxTime(st.m.from, st.m.to.Add(-(rollupLateness + 2*r.every))), st.m.to}
	hours := map[time.Time]bool{}
	for _, part := range window.byDay() {
		ids, err := s.seriesOf(ctx, tx, dayOf(part.from))
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			continue
		}
		rows, err := tx.Query(ctx, rollupCheckSQL(r.n), ids, part.from, part.to, dayOf(part.from))
		if err != nil {
			return fmt.Errorf("check for late points: %w", err)
		}
		late, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
		if err != nil {
			return fmt.Errorf("check for late points: %w", err)
		}
		for _, m := range late {
			if err := s.rollMinutes(ctx, tx, span{m, m.Add(time.Minute)}, true); err != nil {
				return err
			}
			if h := m.Truncate(time.Hour); !h.Before(st.h.from) && h.Before(st.h.to) {
				hours[h] = true
			}
		}
	}
	for h := range hours {
		if err := s.rollHours(ctx, tx, span{h, h.Add(time.Hour)}, true); err != nil {
			return err
		}
	}
	return nil
}

// save writes the state of both levels, and checked_at when valid.
func (s *rollupStep) save(ctx context.Context, tx pgx.Tx, m, h span, checkedAt pgtype.Timestamptz) error {
	r := s.r
	if _, err := tx.Exec(ctx, rollupSaveSQL(r.r.State), pgschema.Level1m, m.from, m.to, checkedAt); err != nil {
		return fmt.Errorf("save the rollup state: %w", err)
	}
	if _, err := tx.Exec(ctx, rollupSaveSQL(r.r.State), pgschema.Level1h, h.from, h.to, nil); err != nil {
		return fmt.Errorf("save the rollup state: %w", err)
	}
	return nil
}
