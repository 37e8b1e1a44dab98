package postgres

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"
)

// blockPoint is one point of a series, a row of vitals_points as
// compaction reads it: every column but series_id, NULLs included.
type blockPoint struct {
	ts        int64 // microseconds since 2000-01-01 UTC, PostgreSQL's epoch
	ints      [numInts]int64
	intNull   [numInts]bool
	floats    [numFloats]float64
	floatNull [numFloats]bool
	// hasBuckets is false when bucket_idx and bucket_cnt are NULL.
	hasBuckets bool
	idx        []int32
	cnt        []int64
}

// errPointLayout reports a result whose columns are not those of
// vitals_points in the binary format.
var errPointLayout = errors.New("compact: unexpected result layout")

// readPoints reads rows with the columns of vitals_points (series_id
// first) in the binary format, appending each point to the list of its
// series in into. Bucket arrays must be one-dimensional, start at 1, hold
// no NULL and have equal lengths, or both be NULL: the query selects only
// such rows (see representableSQL).
func readPoints(rows pgx.Rows, into map[int64][]blockPoint) error {
	defer rows.Close()
	fields := rows.FieldDescriptions()
	if len(fields) != len(pointColumnNames) {
		return fmt.Errorf("%w: %d columns", errPointLayout, len(fields))
	}
	for _, f := range fields {
		if f.Format != pgx.BinaryFormatCode {
			return fmt.Errorf("%w: column %s is not in the binary format", errPointLayout, f.Name)
		}
	}
	for rows.Next() {
		v := rows.RawValues()
		if v[0] == nil || v[1] == nil {
			return fmt.Errorf("%w: NULL series_id or ts", errPointLayout)
		}
		id := int64(binary.BigEndian.Uint64(v[0]))
		p := blockPoint{ts: int64(binary.BigEndian.Uint64(v[1]))}
		for i := range numInts {
			if b := v[2+i]; b == nil {
				p.intNull[i] = true
			} else {
				p.ints[i] = int64(binary.BigEndian.Uint64(b))
			}
		}
		for i := range numFloats {
			if b := v[2+numInts+i]; b == nil {
				p.floatNull[i] = true
			} else {
				p.floats[i] = math.Float64frombits(binary.BigEndian.Uint64(b))
			}
		}
		bi, bc := v[2+numInts+numFloats], v[3+numInts+numFloats]
		if (bi == nil) != (bc == nil) {
			return fmt.Errorf("%w: series %d: bucket_idx and bucket_cnt not both NULL", errPointLayout, id)
		}
		if bi != nil {
			p.hasBuckets = true
			var err error
			if p.idx, err = readArray(bi, 4, func(b []byte) int32 { return int32(binary.BigEndian.Uint32(b)) }); err != nil {
				return fmt.Errorf("series %d bucket_idx: %w", id, err)
			}
			if p.cnt, err = readArray(bc, 8, func(b []byte) int64 { return int64(binary.BigEndian.Uint64(b)) }); err != nil {
				return fmt.Errorf("series %d bucket_cnt: %w", id, err)
			}
			if len(p.idx) != len(p.cnt) {
				return fmt.Errorf("%w: series %d: %d bucket indexes, %d counts", errPointLayout, id, len(p.idx), len(p.cnt))
			}
		}
		into[id] = append(into[id], p)
	}
	return rows.Err()
}

// readArray decodes a one-dimensional array without NULLs, starting at 1,
// of elements of size bytes, from PostgreSQL's binary format.
func readArray[T any](b []byte, size int, elem func([]byte) T) ([]T, error) {
	be := binary.BigEndian
	if len(b) < 12 {
		return nil, errors.New("short array")
	}
	ndim, hasNull := be.Uint32(b), be.Uint32(b[4:])
	switch {
	case ndim == 0:
		return []T{}, nil
	case ndim != 1:
		return nil, fmt.Errorf("%d dimensions", ndim)
	case hasNull != 0:
		return nil, errors.New("NULL element")
	case len(b) < 20:
		return nil, errors.New("short array")
	}
	n, lower := int(be.Uint32(b[12:])), be.Uint32(b[16:])
	if lower != 1 {
		return nil, fmt.Errorf("lower bound %d", lower)
	}
	b = b[20:]
	if len(b) != n*(4+size) {
		return nil, errors.New("array length does not match its elements")
	}
	out := make([]T, n)
	for i := range out {
		if int(be.Uint32(b)) != size {
			return nil, errors.New("element of unexpected size")
		}
		out[i] = elem(b[4 : 4+size])
		b = b[4+size:]
	}
	return out, nil
}

// representableSQL is the condition, on a row of vitals_points, that a
// block can hold it exactly: its bucket arrays both NULL, or both
// one-dimensional from index 1 (or empty), of equal lengths, without NULL
// elements. The writer writes no other; a row written otherwise by hand
// stays in vitals_points.
const representableSQL = `(bucket_idx IS NULL AND bucket_cnt IS NULL
	OR coalesce(array_ndims(bucket_idx), 1) = 1 AND coalesce(array_lower(bucket_idx, 1), 1) = 1
		AND coalesce(array_ndims(bucket_cnt), 1) = 1 AND coalesce(array_lower(bucket_cnt, 1), 1) = 1
		AND cardinality(bucket_idx) = cardinality(bucket_cnt)
		AND array_position(bucket_idx, NULL) IS NULL AND array_position(bucket_cnt, NULL) IS NULL)`
