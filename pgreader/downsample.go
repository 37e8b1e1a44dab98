package pgreader

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vitals-go/vitals/metrics"
)

// stepTotalsSQL is the select list that sums one step's per-series
// values over the series (the subquery's columns last_total, n, s, lo, hi,
// sq_dev, sq_mean, v, r1..rm, q50..q999, b_lo, b_hi), shared by the
// queries of points and of rollups.
const stepTotalsSQL = `
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
`

// rangeScalarSQL computes every column but the quantiles, per step, from
// the points. Its arguments: $1 the series ids, $2 the step, $3 From, $4
// To, $5 the start of the first step (see window). The first %s is
// the gauge aggregate, the second the points table.
//
// The inner query reduces each series over each step; it groups by
// series_id, the distribution column, so Citus pushes it down to the
// shards whole. The outer query combines the series with sum, min and max,
// which Citus merges on the coordinator.
//
// Per series: the latest non-NULL total; counts and sums; min of min, max of
// max; Σ count·stddev² and Σ count·mean² for the pooled standard deviation;
// the gauge aggregate; average rates; the largest stored percentiles of the
// intervals without buckets, and the min and max of those with buckets
// (which bound the merged buckets' quantiles).
const rangeScalarSQL = `
SELECT t,` + stepTotalsSQL + `
FROM (
	SELECT date_bin($2::interval, ts, $5::timestamptz) AS t, series_id,
		(array_agg(total ORDER BY ts DESC) FILTER (WHERE total IS NOT NULL))[1] AS last_total,
		sum(count) AS n,
		sum(sum) AS s,
		min(min) AS lo,
		max(max) AS hi,
		sum(count * stddev * stddev) AS sq_dev,
		sum(count * mean * mean) AS sq_mean,
		%s AS v,
		avg(rate1) AS r1, avg(rate5) AS r5, avg(rate15) AS r15, avg(rate_mean) AS rm,
		max(p50) FILTER (WHERE coalesce(cardinality(bucket_idx), 0) = 0) AS q50,
		max(p75) FILTER (WHERE coalesce(cardinality(bucket_idx), 0) = 0) AS q75,
		max(p95) FILTER (WHERE coalesce(cardinality(bucket_idx), 0) = 0) AS q95,
		max(p99) FILTER (WHERE coalesce(cardinality(bucket_idx), 0) = 0) AS q99,
		max(p999) FILTER (WHERE coalesce(cardinality(bucket_idx), 0) = 0) AS q999,
		min(min) FILTER (WHERE cardinality(bucket_idx) > 0) AS b_lo,
		max(max) FILTER (WHERE cardinality(bucket_idx) > 0) AS b_hi
	FROM %s
	WHERE series_id = ANY($1) AND ts >= $3::timestamptz AND ts < $4::timestamptz
	GROUP BY t, series_id
) AS per_series
GROUP BY t
ORDER BY t`

// rangeBucketSQL sums the histogram buckets per step and bucket index, with
// the arguments of rangeScalarSQL; %s is the points table. Like it, the
// inner query groups by series_id so that Citus pushes it down whole (the
// unnest is an immutable function of the row, which Citus accepts in a
// pushed-down join).
const rangeBucketSQL = `
SELECT t, idx, sum(cnt)::bigint
FROM (
	SELECT date_bin($2::interval, p.ts, $5::timestamptz) AS t, p.series_id, b.idx, sum(b.cnt) AS cnt
	FROM %s AS p
	CROSS JOIN LATERAL unnest(p.bucket_idx, p.bucket_cnt) AS b(idx, cnt)
	WHERE p.series_id = ANY($1) AND p.ts >= $3::timestamptz AND p.ts < $4::timestamptz
		AND cardinality(p.bucket_idx) > 0
	GROUP BY t, p.series_id, b.idx
) AS per_series
GROUP BY t, idx
ORDER BY t, idx`

// stepQuantiles holds what a step's quantiles are computed from, between
// the two queries.
type stepQuantiles struct {
	stored     [5]pgtype.Float8 // largest stored p50..p999 of intervals without buckets
	bMin, bMax pgtype.Int8      // min and max of intervals with buckets
	buckets    []metrics.Bucket // merged, ascending index
}

// pointsRangeSQL returns the statements of a Range from the points:
// rangeScalarSQL with the gauge aggregate agg, and rangeBucketSQL.
func (r *Reader) pointsRangeSQL(agg string) (scalars, buckets string) {
	return fmt.Sprintf(rangeScalarSQL, agg, r.n.PointsAll), fmt.Sprintf(rangeBucketSQL, r.n.PointsAll)
}

// rangeScalars runs sql, rangeScalarSQL or rollupScalarSQL, and returns its
// points, with Time in loc, and what their quantiles are to be computed
// from.
func (r *Reader) rangeScalars(ctx context.Context, tx pgx.Tx, sql string, args []any, loc *time.Location) ([]RangePoint, []stepQuantiles, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var points []RangePoint
	var quants []stepQuantiles
	for rows.Next() {
		var p RangePoint
		var sqDev, sqMean float64
		var sq stepQuantiles
		err := rows.Scan(&p.Time, &p.Total, &p.Count, &p.Sum, &p.Min, &p.Max, &sqDev, &sqMean,
			&p.Value, &p.Rate1, &p.Rate5, &p.Rate15, &p.RateMean,
			&sq.stored[0], &sq.stored[1], &sq.stored[2], &sq.stored[3], &sq.stored[4],
			&sq.bMin, &sq.bMax)
		if err != nil {
			return nil, nil, err
		}
		p.Time = p.Time.In(loc)
		p.Mean, p.StdDev = pooled(p.Count, p.Sum, sqDev, sqMean)
		points = append(points, p)
		quants = append(quants, sq)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	return points, quants, nil
}

// pooled returns the mean and the population standard deviation of n
// values summing to sum, from sqDev = Σ nᵢσᵢ² and sqMean = Σ nᵢμᵢ² over the
// intervals that hold them: σ² = sqDev/n + (sqMean/n − μ²). The second term,
// the spread of the interval means, is the one exposed to cancellation; it
// is clamped at 0.
func pooled(n, sum int64, sqDev, sqMean float64) (mean, stddev float64) {
	if n <= 0 {
		return 0, 0
	}
	N := float64(n)
	mean = float64(sum) / N
	between := max(sqMean/N-mean*mean, 0)
	return mean, math.Sqrt(max(sqDev/N, 0) + between)
}

// rangeQuantiles runs sql, rangeBucketSQL or rollupBucketSQL, and sets
// the quantiles of points (whose steps are those of quants, in the same
// order).
func (r *Reader) rangeQuantiles(ctx context.Context, tx pgx.Tx, sql string, args []any, points []RangePoint, quants []stepQuantiles) error {
	index := make(map[int64]int, len(points)) // step start in µs -> position
	for i, p := range points {
		index[p.Time.UnixMicro()] = i
	}
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t time.Time
		var idx int32
		var cnt int64
		if err := rows.Scan(&t, &idx, &cnt); err != nil {
			return err
		}
		i, ok := index[t.UnixMicro()]
		if !ok || cnt <= 0 {
			continue // not possible in one snapshot; never worth failing for
		}
		quants[i].buckets = append(quants[i].buckets, metrics.Bucket{Index: idx, Count: uint64(cnt)})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range points {
		setQuantiles(&points[i], quants[i])
	}
	return nil
}

// quantileLevels are the levels of RangePoint's P50, P75, P95, P99, P999.
var quantileLevels = [5]float64{0.5, 0.75, 0.95, 0.99, 0.999}

// setQuantiles sets p's quantiles from the step's merged buckets and the
// stored percentiles of its intervals without buckets: the larger of both
// when a step has both kinds of interval.
func setQuantiles(p *RangePoint, sq stepQuantiles) {
	dst := [5]*float64{&p.P50, &p.P75, &p.P95, &p.P99, &p.P999}
	var d metrics.Distribution
	if len(sq.buckets) > 0 {
		d.Buckets = sq.buckets
		for _, b := range sq.buckets {
			d.Count += int64(b.Count)
		}
		// Quantile clamps into [Min, Max]: without them (never so for rows an
		// exporter wrote) leave the bucket representatives unclamped.
		d.Min, d.Max = math.MinInt64, math.MaxInt64
		if sq.bMin.Valid && sq.bMax.Valid {
			d.Min, d.Max = sq.bMin.Int64, sq.bMax.Int64
		}
	}
	for k, q := range quantileLevels {
		v, has := 0.0, false
		if len(d.Buckets) > 0 {
			v, has = d.Quantile(q), true
		}
		if s := sq.stored[k]; s.Valid && (!has || s.Float64 > v) {
			v = s.Float64
		}
		*dst[k] = v
	}
}
