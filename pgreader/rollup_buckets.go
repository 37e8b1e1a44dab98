package pgreader

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/internal/pgschema"
	"github.com/vitals-go/vitals/metrics"
)

// maxBucketIndex bounds the bucket indexes merged: metrics.BucketIndex
// returns at most 2239. Larger ones (never written) are ignored.
const maxBucketIndex = 1 << 12

// rollupQuantiles runs sql, rollupBucketSQL, merges the buckets of each
// step, and sets the quantiles of points (whose steps are those of quants,
// in the same order), as rangeQuantiles does with the buckets that
// rangeBucketSQL merged.
func (r *Reader) rollupQuantiles(ctx context.Context, tx pgx.Tx, sql string, args []any, points []RangePoint, quants []stepQuantiles) error {
	index := make(map[int64]int, len(points)) // step start in µs -> position
	for i, p := range points {
		index[p.Time.UnixMicro()] = i
	}
	counts := make([][]uint64, len(points)) // by step, then bucket index
	var step []uint64
	add := func(idx int32, cnt int64) {
		if idx < 0 || idx > maxBucketIndex || cnt <= 0 {
			return
		}
		if int(idx) >= len(step) {
			step = append(step, make([]uint64, int(idx)+1-len(step))...)
		}
		step[idx] += uint64(cnt)
	}
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var t time.Time
	var idx []int32
	var cnt []int64
	for rows.Next() {
		// The packed buckets are read in place, not copied.
		if err := rows.Scan(&t, &idx, &cnt, nil); err != nil {
			return err
		}
		i, ok := index[t.UnixMicro()]
		if !ok {
			continue // not possible in one snapshot; never worth failing for
		}
		step = counts[i]
		if packed := rows.RawValues()[3]; packed != nil {
			if err := pgschema.ForEachPackedBucket(packed, add); err != nil {
				return err
			}
		}
		for k := range min(len(idx), len(cnt)) {
			add(idx[k], cnt[k])
		}
		counts[i] = step
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range points {
		for idx, n := range counts[i] {
			if n > 0 {
				quants[i].buckets = append(quants[i].buckets, metrics.Bucket{Index: int32(idx), Count: n})
			}
		}
		setQuantiles(&points[i], quants[i])
	}
	return nil
}
