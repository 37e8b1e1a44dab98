package pgreader

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vitals-go/vitals/compare"
	"github.com/vitals-go/vitals/metrics"
)

// The statements of Reader.Compare's intervals. Their arguments: $1 the
// series ids, $2 and $3 the bounds [From, To) (infinite for a release);
// %s is the points table.

// intervalScalarSQL reads the scalars of each interval of a line. Count and
// sum add, min and max combine: aggregates Citus merges on the coordinator
// from the shards' partial results.
const intervalScalarSQL = `
SELECT ts, coalesce(sum(count), 0)::bigint, coalesce(sum(sum), 0)::bigint, min(min), max(max)
FROM %s
WHERE series_id = ANY($1) AND ts >= $2 AND ts < $3
GROUP BY ts
ORDER BY ts`

// intervalBucketSQL sums the buckets of each interval of a line per bucket
// index; as in rangeBucketSQL, the inner query groups by series_id so that
// Citus pushes it down whole.
const intervalBucketSQL = `
SELECT ts, idx, sum(cnt)::bigint
FROM (
	SELECT p.ts, p.series_id, b.idx, sum(b.cnt) AS cnt
	FROM %s AS p
	CROSS JOIN LATERAL unnest(p.bucket_idx, p.bucket_cnt) AS b(idx, cnt)
	WHERE p.series_id = ANY($1) AND p.ts >= $2 AND p.ts < $3
		AND cardinality(p.bucket_idx) > 0
	GROUP BY p.ts, p.series_id, b.idx
) AS per_series
GROUP BY ts, idx
ORDER BY ts, idx`

// intervalEventSQL reads the events counted in each interval of a line of
// counters or meters: per series, the increase of total since its
// previous interval (a decrease is a restart: the new total counts whole);
// the first interval of a series counts its whole total when $4 is true,
// nothing otherwise. The window is partitioned by series_id, the
// distribution column, which Citus pushes down to the shards.
const intervalEventSQL = `
SELECT ts, sum(delta)::bigint
FROM (
	SELECT ts,
		CASE WHEN prev IS NULL THEN CASE WHEN $4::boolean THEN total ELSE 0 END
			WHEN total >= prev THEN total - prev
			ELSE total END AS delta
	FROM (
		SELECT ts, total, lag(total) OVER (PARTITION BY series_id ORDER BY ts) AS prev
		FROM %s
		WHERE series_id = ANY($1) AND ts >= $2 AND ts < $3 AND total IS NOT NULL
	) AS w
) AS d
GROUP BY ts
ORDER BY ts`

// bound is a bound of the intervals' times: t, or inf when t is zero.
func bound(t time.Time, inf pgtype.InfinityModifier) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{InfinityModifier: inf, Valid: true}
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

// distributions reads the intervals of a line of histograms or timers: per
// interval, its scalars, then its summed buckets.
func (r *Reader) distributions(ctx context.Context, tx pgx.Tx, ids []int64, from, to pgtype.Timestamptz) ([]compare.Interval, error) {
	rows, err := tx.Query(ctx, fmt.Sprintf(intervalScalarSQL, r.n.PointsAll), ids, from, to)
	if err != nil {
		return nil, err
	}
	var ivs []compare.Interval
	var iv compare.Interval
	var lo, hi pgtype.Int8
	_, err = pgx.ForEachRow(rows, []any{&iv.Time, &iv.Dist.Count, &iv.Dist.Sum, &lo, &hi}, func() error {
		d := &iv.Dist
		switch {
		case d.Count == 0:
			d.Min, d.Max = 0, 0
		case lo.Valid && hi.Valid:
			d.Min, d.Max = lo.Int64, hi.Int64
		default: // never so for rows an exporter wrote
			d.Min, d.Max = math.MinInt64, math.MaxInt64
		}
		ivs = append(ivs, iv)
		return nil
	})
	if err != nil {
		return nil, err
	}
	index := make(map[int64]int, len(ivs)) // ts in µs -> position
	for i, iv := range ivs {
		index[iv.Time.UnixMicro()] = i
	}
	rows, err = tx.Query(ctx, fmt.Sprintf(intervalBucketSQL, r.n.PointsAll), ids, from, to)
	if err != nil {
		return nil, err
	}
	var ts time.Time
	var idx int32
	var cnt int64
	_, err = pgx.ForEachRow(rows, []any{&ts, &idx, &cnt}, func() error {
		if i, ok := index[ts.UnixMicro()]; ok && cnt > 0 {
			ivs[i].Dist.Buckets = append(ivs[i].Dist.Buckets, metrics.Bucket{Index: idx, Count: uint64(cnt)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ivs, nil
}

// events reads the intervals of a line of counters or meters: the events
// each counted, countFirst saying whether the first interval of a series
// counts its whole total.
func (r *Reader) events(ctx context.Context, tx pgx.Tx, ids []int64, from, to pgtype.Timestamptz, countFirst bool) ([]compare.Interval, error) {
	rows, err := tx.Query(ctx, fmt.Sprintf(intervalEventSQL, r.n.PointsAll), ids, from, to, countFirst)
	if err != nil {
		return nil, err
	}
	var ivs []compare.Interval
	var iv compare.Interval
	_, err = pgx.ForEachRow(rows, []any{&iv.Time, &iv.Dist.Count}, func() error {
		ivs = append(ivs, iv)
		return nil
	})
	return ivs, err
}
