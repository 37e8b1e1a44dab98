package postgres

import (
	"math"

	"github.com/jackc/pgx/v5/pgtype"
)

// The parameters of pointsSQL: each column of a flush is one array
// parameter, which pgx encodes through the pgtype interfaces below.

// column is one array parameter. pgx encodes it as an ArrayGetter whose
// elements are pointers into the column, and the pointed-to nullInt8,
// nullFloat8 and nullText through its Int64Valuer, Float64Valuer and
// TextValuer interfaces: no reflection and no allocation per value (a
// []int64 allocates for every boxed element, a []*int64 costs reflection),
// and each column is read from contiguous memory.
type column[T any] []T

func (c column[T]) Dimensions() []pgtype.ArrayDimension {
	return []pgtype.ArrayDimension{{Length: int32(len(c)), LowerBound: 1}}
}

func (c column[T]) Index(i int) any { return &c[i] }

func (c column[T]) IndexType() any { return new(T) }

// nullInt8, nullFloat8 and nullText are nullable column values.
type nullInt8 struct {
	v     int64
	valid bool
}

type nullFloat8 struct {
	v     float64
	valid bool
}

func (n *nullInt8) Int64Value() (pgtype.Int8, error) {
	return pgtype.Int8{Int64: n.v, Valid: n.valid}, nil
}

func (n *nullFloat8) Float64Value() (pgtype.Float8, error) {
	return pgtype.Float8{Float64: n.v, Valid: n.valid}, nil
}

type nullText struct {
	s     string
	valid bool
}

func (n *nullText) TextValue() (pgtype.Text, error) {
	return pgtype.Text{String: n.s, Valid: n.valid}, nil
}

func (n *nullInt8) set(v int64) { *n = nullInt8{v, true} }

// set stores v, or NULL when v is NaN or infinite: PostgreSQL would take
// them, but no reader of a metrics table expects them.
func (n *nullFloat8) set(v float64) {
	*n = nullFloat8{v, !math.IsNaN(v) && !math.IsInf(v, 0)}
}
