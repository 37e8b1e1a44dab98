package tsdb

import (
	"math"
	"strconv"
)

// maxValueLen is the longest appendValue output:
// "-2.2250738585072014e-308" is 24 bytes, "-9223372036854775808" 20.
const maxValueLen = 24

// appendValue formats v as OpenTSDB parses it exactly: whole numbers within a
// Java long as integers, anything else in the shortest form that reads back
// to v. NaN and infinities come out as Go writes them ("NaN", "+Inf"); Flatten
// never makes such points.
func appendValue(dst []byte, v float64) []byte {
	if v >= -(1<<63) && v < 1<<63 && v == math.Trunc(v) {
		return strconv.AppendInt(dst, int64(v), 10)
	}
	return strconv.AppendFloat(dst, v, 'g', -1, 64)
}

// valueLen is len(appendValue(nil, v)) without allocating.
func valueLen(v float64) int {
	var buf [32]byte
	return len(appendValue(buf[:0], v))
}
