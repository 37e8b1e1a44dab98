package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// redo rolls up again the oldest minutes marked in vitals_rollup_dirty
// (see rollup_mark.go), a chunk's worth of them, with their hours, and
// deletes their marks, but those marked again meanwhile. A marked minute
// the rollups do not cover needs nothing: the forward roll or the backfill
// will read its points, committed before the mark, and one older than the
// retention is in no rollup; its mark is deleted. It returns how many marks
// it dealt with: 0 when those left are of a day whose rollup partitions
// this run has not ensured (a day that had no points when the run began),
// which wait for the next run.
//
// The series of a marked minute's day are read again: late points may be
// the first of a series that day.
func (s *rollupStep) redo(ctx context.Context, tx pgx.Tx, st rollupState) (int, error) {
	r := s.r
	rows, err := tx.Query(ctx, rollupMarkedSQL(r.n), max(1, int(r.chunk/time.Minute)))
	if err != nil {
		return 0, fmt.Errorf("read the marked minutes: %w", err)
	}
	var minute time.Time
	var count int64
	var minutes []time.Time
	var counts []int64
	if _, err := pgx.ForEachRow(rows, []any{&minute, &count}, func() error {
		minutes, counts = append(minutes, minute), append(counts, count)
		return nil
	}); err != nil {
		return 0, fmt.Errorf("read the marked minutes: %w", err)
	}
	var todo []span // to roll up again, ascending
	var hours []time.Time
	done := 0
	for _, m := range minutes {
		covered := !m.Before(st.m.from) && m.Before(st.m.to) && !m.Before(s.cutoff)
		if covered && !r.partitioned(m) {
			break
		}
		done++
		if !covered {
			continue
		}
		if k := len(todo) - 1; k >= 0 && todo[k].to.Equal(m) {
			todo[k].to = m.Add(time.Minute)
		} else {
			todo = append(todo, span{m, m.Add(time.Minute)})
		}
		if h := m.Truncate(time.Hour); !h.Before(st.h.from) && h.Before(st.h.to) && !slices.ContainsFunc(hours, h.Equal) {
			hours = append(hours, h)
		}
	}
	for _, sp := range todo {
		for _, part := range sp.byDay() {
			delete(s.ids, dayOf(part.from))
		}
	}
	for _, sp := range todo {
		if err := s.rollMinutes(ctx, tx, sp, false); err != nil {
			return 0, err
		}
	}
	for _, h := range hours {
		if err := s.rollHours(ctx, tx, span{h, h.Add(time.Hour)}, false); err != nil {
			return 0, err
		}
	}
	if _, err := tx.Exec(ctx, rollupUnmarkSQL(r.n), minutes[:done], counts[:done]); err != nil {
		return 0, fmt.Errorf("delete the marks of the minutes rolled up again: %w", err)
	}
	return done, nil
}

// partitioned reports whether the rollup partitions holding minute m are
// known to exist.
func (r *rollups) partitioned(m time.Time) bool {
	day, _, _ := minuteTable.partition(m)
	month, _, _ := hourTable.partition(m)
	return r.known[day] && r.known[month]
}
