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
// of blockColumns, holding the points of series id in the UTC day that
// starts at start (microseconds since pgEpoch). pts must be sorted by time
// without repeats, all within the day, and not empty.
//
// What compresses is encoded so: the times as runs of a common step; total
// as differences from the previous point's (counters grow slowly); mean
// not at all when it is sum / count; the buckets of all points
// concatenated, in the narrowest integer type that holds them. A column
// NULL at every point is NULL.
func encodeBlock(id, start int64, pts []blockPoint) []any {
	step, runStart, runLen := encodeTimes(start, pts)
	row := []any{id, pgEpoch.Add(time.Duration(start) * time.Microsecond), int32(len(pts)), step, runStart, runLen}
	total, delta := encodeTotal(pts)
	row = append(row, total, delta)
	for c := colCount; c < numInts; c++ {
		row = append(row, intColumn(pts, c))
	}
	for c := range numFloats {
		switch {
		case c == colMean && meanDerived(pts):
			row = append(row, nil, true)
		case c == colMean:
			row = append(row, floatColumn(pts, c), false)
		default:
			row = append(row, floatColumn(pts, c))
		}
	}
	return append(row, encodeBuckets(pts)...)
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
// bucket_cnt4 and bucket_cnt8: the number of buckets of each point (NULL
// for a point without), and the indexes and counts of all the points
// concatenated, each in the narrowest of the types that holds them all
// (the others NULL). All are NULL when no point has buckets; the
// concatenations are empty arrays, not NULL, when the points that have
// buckets have none.
func encodeBuckets(pts []blockPoint) []any {
	lens := make([]pgtype.Int4, len(pts))
	n, some := 0, false
	for i, p := range pts {
		if p.hasBuckets {
			lens[i], some = pgtype.Int4{Int32: int32(len(p.idx)), Valid: true}, true
			n += len(p.idx)
		}
	}
	if !some {
		return []any{nil, nil, nil, nil, nil, nil}
	}
	idxFits2, cntFits2, cntFits4 := true, true, true
	for _, p := range pts {
		for _, x := range p.idx {
			idxFits2 = idxFits2 && x >= math.MinInt16 && x <= math.MaxInt16
		}
		for _, x := range p.cnt {
			cntFits2 = cntFits2 && x >= math.MinInt16 && x <= math.MaxInt16
			cntFits4 = cntFits4 && x >= math.MinInt32 && x <= math.MaxInt32
		}
	}
	out := []any{lens, nil, nil, nil, nil, nil}
	if idxFits2 {
		out[1] = concat(pts, n, func(p blockPoint) []int32 { return p.idx }, func(x int32) int16 { return int16(x) })
	} else {
		out[2] = concat(pts, n, func(p blockPoint) []int32 { return p.idx }, func(x int32) int32 { return x })
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
