package pgreader

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// The resolution of a Range. The exporters' maintenance rolls the points up
// into vitals_rollup_1m (per series and UTC minute) and vitals_rollup_1h
// (per hour), and vitals_rollup_state says which range of time each
// covers. A step of whole hours or minutes starts at a whole hour or
// minute (see stepOrigin), so it holds whole rows of the rollups whose
// width divides it. A Range reads, for each part of [From, To), the
// coarsest rows that fit it: the hours of the rollup that are inside
// [From, To) and covered, then, in what is left, the covered whole
// minutes, and the points for the rest (the edges, and what the rollups do
// not cover yet). A rollup row being the exact merge of its points (see
// pgschema.RollupColumns), the answer is that of the points, but for
// floating-point rounding in sums and averages, and for points written too
// late to be rolled up (see vitals_rollup_state's comment).

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
}

// levels reads what the rollups cover, coarsest first; none when the
// schema has no rollups (written by an older exporter).
func (r *Reader) levels(ctx context.Context, tx pgx.Tx) ([]level, error) {
	state := r.n.Rollups().State
	if !r.rollups.Load() {
		var ok bool
		if err := tx.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", state).Scan(&ok); err != nil {
			return nil, err
		}
		if !ok {
			return nil, nil
		}
		r.rollups.Store(true) // tables are never dropped
	}
	rows, err := tx.Query(ctx, "SELECT level, rolled_from, rolled_to FROM "+state)
	if err != nil {
		return nil, err
	}
	var out [2]level
	var name string
	var s span
	_, err = pgx.ForEachRow(rows, []any{&name, &s.from, &s.to}, func() error {
		switch name {
		case pgschema.Level1h:
			out[0] = level{width: time.Hour, covered: s}
		case pgschema.Level1m:
			out[1] = level{width: time.Minute, covered: s}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out[:], nil
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

// args returns the bounds of p's spans, as the arguments $4 to $9 of
// rollupScalarSQL and rollupBucketSQL.
func (p pieces) args() []any {
	var out []any
	for _, list := range [][]span{p.points, p.minutes, p.hours} {
		from, to := make([]time.Time, len(list)), make([]time.Time, len(list))
		for i, s := range list {
			from[i], to[i] = s.from, s.to
		}
		out = append(out, from, to)
	}
	return out
}

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

// rollupRowsSQL returns the rows of a Range read from the points and both
// rollups, as rollup rows: series_id, ts, then all of
// pgschema.RollupColumns when scalars (else none), bucket_idx and
// bucket_cnt. $1 is the series ids; $4 and $5 the starts and ends of the
// spans read from the points, $6 and $7 from vitals_rollup_1m, $8 and $9
// from vitals_rollup_1h. Each span is an index range scan per series
// (series_id = ANY($1) AND ts in the span).
func (r *Reader) rollupRowsSQL(scalars bool) string {
	rn := r.n.Rollups()
	part := func(table, cols string, lo, hi int) string {
		return fmt.Sprintf(`SELECT x.series_id, x.ts%s, x.bucket_idx, x.bucket_cnt
	FROM unnest($%d::timestamptz[], $%d::timestamptz[]) AS s(lo, hi)
	CROSS JOIN LATERAL (SELECT * FROM %s WHERE series_id = ANY($1) AND ts >= s.lo AND ts < s.hi) AS x`, cols, lo, hi, table)
	}
	var fromPoints, fromRollup string
	if scalars {
		fromPoints = ", " + pgschema.RollupSelect(func(c pgschema.RollupColumn) string { return c.FromPoint })
		fromRollup = ", " + pgschema.RollupColumnList("x.")
	}
	return part(r.n.Points, fromPoints, 4, 5) + "\n\tUNION ALL\n\t" +
		part(rn.M1, fromRollup, 6, 7) + "\n\tUNION ALL\n\t" +
		part(rn.H1, fromRollup, 8, 9)
}

// rollupGaugeAggregates maps RangeQuery.Aggregate to the SQL that reduces
// one series' rollup rows over a step, like gaugeAggregates its points.
var rollupGaugeAggregates = map[Aggregate]string{
	"":            "sum(value_sum) / nullif(sum(value_count), 0)",
	AggregateAvg:  "sum(value_sum) / nullif(sum(value_count), 0)",
	AggregateMin:  pgschema.RollupMerge("value_min"),
	AggregateMax:  pgschema.RollupMerge("value_max"),
	AggregateLast: pgschema.RollupMerge("value"),
}

// rollupScalarSQL is rangeScalarSQL over the rows of rollupRowsSQL: the
// same columns, per step, with the arguments $1 the series ids, $2 the
// step, $3 the start of the first step, $4 to $9 the spans. %s is the
// gauge aggregate (rollupGaugeAggregates).
func (r *Reader) rollupScalarSQL(agg string) string {
	m := pgschema.RollupMerge
	return `SELECT t,
	coalesce(sum(last_total), 0)::bigint,
	coalesce(sum(n), 0)::bigint,
	coalesce(sum(s), 0)::bigint,
	coalesce(min(lo), 0),
	coalesce(max(hi), 0),
	coalesce(sum(sq_dev), 0),
	coalesce(sum(sq_mean), 0),
	coalesce(sum(v), 0),
	coalesce(sum(r1), 0), coalesce(sum(r5), 0), coalesce(sum(r15), 0), coalesce(sum(rm), 0),
	max(q50), max(q75), max(q95), max(q99), max(q999),
	min(b_lo), max(b_hi)
FROM (
	SELECT date_bin($2::interval, ts, $3::timestamptz) AS t, series_id,
		` + m("total") + ` AS last_total,
		` + m("count") + ` AS n,
		` + m("sum") + ` AS s,
		` + m("min") + ` AS lo,
		` + m("max") + ` AS hi,
		` + m("sum_sq_dev") + ` AS sq_dev,
		` + m("sum_sq_mean") + ` AS sq_mean,
		` + agg + ` AS v,
		` + m("rate1") + ` AS r1, ` + m("rate5") + ` AS r5, ` + m("rate15") + ` AS r15, ` + m("rate_mean") + ` AS rm,
		` + m("nobucket_p50") + ` AS q50, ` + m("nobucket_p75") + ` AS q75, ` + m("nobucket_p95") + ` AS q95,
		` + m("nobucket_p99") + ` AS q99, ` + m("nobucket_p999") + ` AS q999,
		` + m("bucket_min") + ` AS b_lo,
		` + m("bucket_max") + ` AS b_hi
	FROM (
	` + r.rollupRowsSQL(true) + `
	) AS u
	GROUP BY t, series_id
) AS per_series
GROUP BY t
ORDER BY t`
}

// rollupBucketSQL is rangeBucketSQL over the rows of rollupRowsSQL, with
// the arguments of rollupScalarSQL.
func (r *Reader) rollupBucketSQL() string {
	return `SELECT t, idx, sum(cnt)::bigint
FROM (
	SELECT date_bin($2::interval, u.ts, $3::timestamptz) AS t, u.series_id, b.idx, sum(b.cnt) AS cnt
	FROM (
	` + r.rollupRowsSQL(false) + `
	) AS u
	CROSS JOIN LATERAL unnest(u.bucket_idx, u.bucket_cnt) AS b(idx, cnt)
	WHERE cardinality(u.bucket_idx) > 0
	GROUP BY t, u.series_id, b.idx
) AS per_series
GROUP BY t, idx
ORDER BY t, idx`
}
