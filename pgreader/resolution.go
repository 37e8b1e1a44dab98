package pgreader

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// The resolution of a Range. The exporters' maintenance rolls the points up
// into vitals_rollup_1m (per series and UTC minute) and vitals_rollup_1h
// (per hour), and vitals_rollup_state says which range of time each
// covers. A step of whole minutes or hours covers whole minutes, and
// starts at a whole minute or hour (see window), so it holds whole rows of
// the rollups whose width divides it. A Range reads, for each part of its
// range, the coarsest rows that fit it: the hours of the range that the
// hour rollup covers, then, in what is left, the minutes that the minute
// rollup covers, and the points for the rest (what the rollups do not
// cover yet). A rollup row being the exact merge of its points (see
// pgschema.RollupColumns), the answer is that of the points, but for
// floating-point rounding in sums and averages, and for points written
// late whose minutes the next maintenance run rolls up again (see
// vitals_rollup_dirty's comment).

// span is the range of time [from, to).
type span struct{ from, to time.Time }

// level is a rollup that a Range may read.
type level struct {
	width   time.Duration // of a row: a minute or an hour
	covered span
}

// pieces says which parts of a Range's [From, To) are read from which
// table: lists of spans, possibly empty.
type pieces struct {
	points, minutes, hours []span
	// today is the start of the server's UTC day: points from then on are
	// all in vitals_points (only the days that have ended are compacted
	// into vitals_blocks), which is read rather than vitals_points_all,
	// whose blocks cannot be selected by time.
	today time.Time
}

// levels reads what the rollups cover, coarsest first, none when the
// schema has no rollups (written by an older exporter), and the start of
// the server's UTC day.
func (r *Reader) levels(ctx context.Context, tx pgx.Tx) (levels []level, today time.Time, err error) {
	state := r.n.Rollups().State
	if !r.rollups.Load() {
		var ok bool
		if err := tx.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", state).Scan(&ok); err != nil {
			return nil, today, err
		}
		if !ok {
			return nil, today, nil
		}
		r.rollups.Store(true) // tables are never dropped
	}
	rows, err := tx.Query(ctx, "SELECT level, rolled_from, rolled_to, date_trunc('day', now(), 'UTC') FROM "+state)
	if err != nil {
		return nil, today, err
	}
	var out [2]level
	var name string
	var s span
	_, err = pgx.ForEachRow(rows, []any{&name, &s.from, &s.to, &today}, func() error {
		switch name {
		case pgschema.Level1h:
			out[0] = level{width: time.Hour, covered: s}
		case pgschema.Level1m:
			out[1] = level{width: time.Minute, covered: s}
		}
		return nil
	})
	if err != nil {
		return nil, today, err
	}
	return out[:], today, nil
}

// split cuts [from, to), whose steps are step long, into the pieces read
// from the levels whose width divides step (the others are skipped):
// coarsest first, each taking the whole rows it covers of what the
// coarser ones left, the points the rest.
func split(from, to time.Time, step time.Duration, levels []level) pieces {
	var usable []level
	for _, l := range levels {
		if l.width > 0 && step%l.width == 0 && l.covered.from.Before(l.covered.to) {
			usable = append(usable, l)
		}
	}
	var p pieces
	var cut func(s span, i int)
	cut = func(s span, i int) {
		if !s.from.Before(s.to) {
			return
		}
		if i == len(usable) {
			p.points = append(p.points, s)
			return
		}
		l := usable[i]
		in := span{later(ceilTime(s.from, l.width), l.covered.from), earlier(s.to.Truncate(l.width), l.covered.to)}
		if !in.from.Before(in.to) {
			cut(s, i+1)
			return
		}
		if l.width == time.Hour {
			p.hours = append(p.hours, in)
		} else {
			p.minutes = append(p.minutes, in)
		}
		cut(span{s.from, in.from}, i+1)
		cut(span{in.to, s.to}, i+1)
	}
	cut(span{from, to}, 0)
	return p
}

// rollups reports whether p reads any rollup.
func (p pieces) rollups() bool { return len(p.minutes)+len(p.hours) > 0 }

func ceilTime(t time.Time, d time.Duration) time.Time {
	if c := t.Truncate(d); c.Before(t) {
		return c.Add(d)
	}
	return t
}

func later(t, u time.Time) time.Time {
	if u.After(t) {
		return u
	}
	return t
}

func earlier(t, u time.Time) time.Time {
	if u.Before(t) {
		return u
	}
	return t
}

// window returns the range that a Range of [from, to) in steps of width
// step reads, and where its first step starts: for a step of whole
// minutes (or hours), the range widened to whole minutes, and its start
// truncated to the minute (or hour); otherwise [from, to), the steps
// starting at from.
func window(from, to time.Time, step time.Duration) (wfrom, wto, origin time.Time) {
	if a := alignment(step); a > 0 {
		return from.Truncate(time.Minute), ceilTime(to, time.Minute), from.Truncate(a)
	}
	return from, to, from
}
