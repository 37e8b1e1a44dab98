package postgres

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// pgEpoch is the origin of PostgreSQL's binary timestamps.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// pgMicros returns t in microseconds since pgEpoch.
func pgMicros(t time.Time) int64 { return t.Sub(pgEpoch).Microseconds() }

// sortPoints sorts points by time and drops repeated times, keeping the
// first of each: callers put the points that must win first (the raw rows
// before those of an older block).
func sortPoints(pts []blockPoint) []blockPoint {
	slices.SortStableFunc(pts, func(a, b blockPoint) int { return cmp.Compare(a.ts, b.ts) })
	return slices.CompactFunc(pts, func(a, b blockPoint) bool { return a.ts == b.ts })
}

// encodeBlock returns the values of a row of vitals_blocks, in the order
// of blockColumns, holding the points of series id from start
// (microseconds since pgEpoch: the UTC hour or day where the block
// begins). pts must be sorted by time without repeats, none before start,
// all within start's UTC day, and not empty.
//
// What compresses is encoded so: the times as runs of a common step; total
// as differences from the previous point's (counters grow slowly), less
// the point's count when that leaves more zeros (histograms and timers,
// whose total grows by their count; see deltaLessCount); mean
// not at all when it is sum / count; the rates of meters and timers as
// far as they are predicted from the count (see blocks_rates.go); the
// buckets of all points concatenated, their indexes as differences, in
// the narrowest type that holds them. A column NULL at every point is
// NULL.
func encodeBlock(id, start int64, pts []blockPoint) []any {
	step, runStart, runLen := encodeTimes(start, pts)
	row := []any{id, pgEpoch.Add(time.Duration(start) * time.Microsecond), int32(len(pts)), step, runStart, runLen}
	total, delta := encodeTotal(pts)
	lessCount := deltaLessCount(pts, delta)
	if lessCount != nil {
		row = append(row, total, lessCount)
	} else {
		row = append(row, total, delta)
	}
	for c := colCount; c < numInts; c++ {
		row = append(row, intColumn(pts, c))
	}
	rates, predicted := encodeRates(pts, delta)
	var elapsed []int64
	if delta != nil {
		elapsed = encodeMeanRate(pts)
	}
	for c := range numFloats {
		switch {
		case c == colMean && meanDerived(pts):
			row = append(row, nil, true)
		case c == colMean:
			row = append(row, floatColumn(pts, c), false)
		case c >= colRate1 && c <= colRate15:
			row = append(row, rates[c-colRate1])
		case c == colRateMean && elapsed != nil:
			row = append(row, nil)
		default:
			row = append(row, floatColumn(pts, c))
		}
	}
	row = append(row, encodeBuckets(pts)...)
	// The columns of migration 7 follow (blockColumnsV7), after
	// bucket_gap, which encodeBuckets returns last, then those of
	// migration 9 (blockColumnsV9).
	return append(row, predicted, nilIfEmpty(elapsed), lessCount != nil)
}

// nilIfEmpty returns nil (NULL) for a nil slice, else s.
func nilIfEmpty(s []int64) any {
	if s == nil {
		return nil
	}
	return s
}

// deltaLessCount returns total_delta with each point's count subtracted,
// when that leaves more zeros than total_delta has (a histogram's or a
// timer's total grows by its count every interval) and every point with a
// total has a count and the subtraction does not overflow; else nil (see
// vitals_blocks.total_delta_less_count). delta is encodeTotal's.
func deltaLessCount(pts []blockPoint, delta []pgtype.Int8) []pgtype.Int8 {
	if delta == nil {
		return nil
	}
	out := make([]pgtype.Int8, len(delta))
	gain := 0
	for i, d := range delta {
		if !d.Valid {
			continue
		}
		if pts[i].intNull[colCount] {
			return nil
		}
		c := pts[i].ints[colCount]
		r := d.Int64 - c
		if (d.Int64^c)&(d.Int64^r) < 0 { // signed overflow
			return nil
		}
		out[i] = pgtype.Int8{Int64: r, Valid: true}
		if r == 0 {
			gain++
		}
		if d.Int64 == 0 {
			gain--
		}
	}
	if gain <= 0 {
		return nil
	}
	return out
}

// meanDerived reports whether every point's mean is what the exporter
// writes, sum / count, or NULL where count is NULL or 0, and some point
// has a mean: the block then leaves the means out (see
// vitals_blocks.mean_derived).
func meanDerived(pts []blockPoint) bool {
	some := false
	for _, p := range pts {
		if p.intNull[colCount] || p.ints[colCount] == 0 {
			if !p.floatNull[colMean] {
				return false
			}
			continue
		}
		if p.intNull[colSum] || p.floatNull[colMean] ||
			math.Float64bits(p.floats[colMean]) != math.Float64bits(float64(p.ints[colSum])/float64(p.ints[colCount])) {
			return false
		}
		some = true
	}
	return some
}

// encodeTimes returns the points' times as runs: the most frequent
// difference between consecutive times is the step, and each run is a
// first time (microseconds after start) followed by times one step apart.
func encodeTimes(start int64, pts []blockPoint) (step int64, runStart []int64, runLen []int32) {
	freq := map[int64]int{}
	for i := 1; i < len(pts); i++ {
		freq[pts[i].ts-pts[i-1].ts]++
	}
	for d, n := range freq {
		if n > freq[step] || n == freq[step] && d < step {
			step = d
		}
	}
	for i, p := range pts {
		if i > 0 && p.ts-pts[i-1].ts == step {
			runLen[len(runLen)-1]++
			continue
		}
		runStart = append(runStart, p.ts-start)
		runLen = append(runLen, 1)
	}
	return step, runStart, runLen
}

// encodeTotal returns total as differences from the previous non-NULL
// total (the first from 0), or, when a difference overflows, as it is
// (the other result is then nil). Both are nil when total is NULL at every
// point.
func encodeTotal(pts []blockPoint) (total, delta []pgtype.Int8) {
	delta = make([]pgtype.Int8, len(pts))
	var prev int64
	some := false
	for i, p := range pts {
		if p.intNull[colTotal] {
			continue
		}
		v := p.ints[colTotal]
		d := v - prev
		if (v^prev)&(v^d) < 0 { // signed overflow
			return intColumn(pts, colTotal), nil
		}
		delta[i] = pgtype.Int8{Int64: d, Valid: true}
		prev, some = v, true
	}
	if !some {
		return nil, nil
	}
	return nil, delta
}

// intColumn returns int column c of every point, nil when all are NULL.
func intColumn(pts []blockPoint, c int) []pgtype.Int8 {
	out := make([]pgtype.Int8, len(pts))
	some := false
	for i, p := range pts {
		if !p.intNull[c] {
			out[i], some = pgtype.Int8{Int64: p.ints[c], Valid: true}, true
		}
	}
	if !some {
		return nil
	}
	return out
}

// floatColumn returns float column c of every point, nil when all are
// NULL.
func floatColumn(pts []blockPoint, c int) []pgtype.Float8 {
	out := make([]pgtype.Float8, len(pts))
	some := false
	for i, p := range pts {
		if !p.floatNull[c] {
			out[i], some = pgtype.Float8{Float64: p.floats[c], Valid: true}, true
		}
	}
	if !some {
		return nil
	}
	return out
}

// encodeBuckets returns bucket_len, bucket_idx2, bucket_idx4, bucket_cnt2,
// bucket_cnt4, bucket_cnt8 and bucket_gap: the number of buckets of each
// point (NULL for a point without), and the indexes and counts of all the
// points concatenated. The indexes are bucket_gap, each minus the one
// before it, when every difference fits in a smallint (else bucket_idx2
// or bucket_idx4, the narrowest that holds them); the counts are in the
// narrowest of bucket_cnt2, bucket_cnt4 and bucket_cnt8. The others are
// NULL. All are NULL when no point has buckets; the concatenations are
// empty, not NULL, when the points that have buckets have none.
//
// Counts of one byte each (a bytea) would take 15-30% fewer bytes after
// compression than smallints, but reading them back (get_byte per count)
// made a full scan of vitals_points_all 1.5 times as long.
func encodeBuckets(pts []blockPoint) []any {
	lens := make([]pgtype.Int4, len(pts))
	n, some := 0, false
	for i, p := range pts {
		if p.hasBuckets {
			lens[i], some = pgtype.Int4{Int32: int32(len(p.idx)), Valid: true}, true
			n += len(p.idx)
		}
	}
	out := make([]any, 7)
	if !some {
		return out
	}
	out[0] = lens
	gaps := make([]int16, 0, n)
	idxFits2, prev := true, int64(0)
	for _, p := range pts {
		for _, x := range p.idx {
			idxFits2 = idxFits2 && x >= math.MinInt16 && x <= math.MaxInt16
			if g := int64(x) - prev; g >= math.MinInt16 && g <= math.MaxInt16 && gaps != nil {
				gaps = append(gaps, int16(g))
			} else {
				gaps = nil
			}
			prev = int64(x)
		}
	}
	cntFits2, cntFits4 := true, true
	for _, p := range pts {
		for _, x := range p.cnt {
			cntFits2 = cntFits2 && x >= math.MinInt16 && x <= math.MaxInt16
			cntFits4 = cntFits4 && x >= math.MinInt32 && x <= math.MaxInt32
		}
	}
	idx := func(p blockPoint) []int32 { return p.idx }
	switch {
	case gaps != nil:
		out[6] = gaps
	case idxFits2:
		out[1] = concat(pts, n, idx, func(x int32) int16 { return int16(x) })
	default:
		out[2] = concat(pts, n, idx, func(x int32) int32 { return x })
	}
	cnt := func(p blockPoint) []int64 { return p.cnt }
	switch {
	case cntFits2:
		out[3] = concat(pts, n, cnt, func(x int64) int16 { return int16(x) })
	case cntFits4:
		out[4] = concat(pts, n, cnt, func(x int64) int32 { return int32(x) })
	default:
		out[5] = concat(pts, n, cnt, func(x int64) int64 { return x })
	}
	return out
}

// concat returns the elements of list(p) of every point, converted, one
// after the other; n is their number.
func concat[E, T any](pts []blockPoint, n int, list func(blockPoint) []E, conv func(E) T) []T {
	out := make([]T, 0, n)
	for _, p := range pts {
		for _, x := range list(p) {
			out = append(out, conv(x))
		}
	}
	return out
}
