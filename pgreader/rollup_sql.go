package pgreader

import (
	"fmt"
	"strings"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// The statements of a Range that reads rollups. Their arguments: $1 the
// series ids, $2 the step, $3 the start of the first step, then the start
// and end of each span of the pieces (points, minutes, hours), read by one
// SELECT each: series_id = ANY($1) AND ts in the span, an index range scan
// per series, of the partitions of the span only.

// rollupRows returns the UNION ALL of the SELECTs of the spans of p, each
// column list given by cols (of the points or of a rollup table), and the
// arguments from $4 on.
func (r *Reader) rollupRows(p pieces, cols func(rollup bool) string, where func(rollup bool) string) (string, []any) {
	rn := r.n.Rollups()
	var arms []string
	var args []any
	for _, part := range []struct {
		table  string
		rollup bool
		spans  []span
	}{{r.n.PointsAll, false, p.points}, {rn.M1, true, p.minutes}, {rn.H1, true, p.hours}} {
		for _, s := range part.spans {
			table := part.table
			if !part.rollup && !s.from.Before(p.today) {
				table = r.n.Points // see pieces.today
			}
			n := 4 + len(args)
			arms = append(arms, fmt.Sprintf("SELECT series_id, ts, %s FROM %s WHERE series_id = ANY($1) AND ts >= $%d AND ts < $%d%s",
				cols(part.rollup), table, n, n+1, where(part.rollup)))
			args = append(args, s.from, s.to)
		}
	}
	return strings.Join(arms, "\n\tUNION ALL\n\t"), args
}

// rollupScalarSQL is rangeScalarSQL over the rows of p as rollup rows
// (the points turned into rollup rows by pgschema.RollupColumn.FromPoint):
// the same columns, per step. agg is the gauge aggregate
// (rollupGaugeAggregates).
func (r *Reader) rollupScalarSQL(p pieces, agg string) (string, []any) {
	rows, args := r.rollupRows(p, func(rollup bool) string {
		if rollup {
			return pgschema.RollupColumnList("")
		}
		return pgschema.RollupSelect(func(c pgschema.RollupColumn) string { return c.FromPoint })
	}, func(bool) string { return "" })
	m := pgschema.RollupMerge
	return `SELECT t,` + stepTotalsSQL + `
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
	` + rows + `
	) AS u
	GROUP BY t, series_id
) AS per_series
GROUP BY t
ORDER BY t`, args
}

// rollupBucketSQL returns, for each row of p with buckets, its step and
// its buckets: the arrays of a point, the packed buckets of a rollup row
// (pgschema.PackBucketsSQL), or its arrays when they could not be packed.
// They are merged by the client (see rollupQuantiles), which takes much
// less of the server than unnesting them there.
func (r *Reader) rollupBucketSQL(p pieces) (string, []any) {
	rows, args := r.rollupRows(p, func(rollup bool) string {
		if rollup {
			return "CASE WHEN buckets IS NULL THEN bucket_idx END AS bucket_idx, CASE WHEN buckets IS NULL THEN bucket_cnt END AS bucket_cnt, buckets"
		}
		return "bucket_idx, bucket_cnt, NULL::bytea AS buckets"
	}, func(rollup bool) string {
		if rollup {
			return " AND (buckets IS NOT NULL OR cardinality(bucket_idx) > 0)"
		}
		return " AND cardinality(bucket_idx) > 0"
	})
	return `SELECT date_bin($2::interval, ts, $3::timestamptz), bucket_idx, bucket_cnt, buckets
FROM (
	` + rows + `
) AS u`, args
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
