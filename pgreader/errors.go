package pgreader

import "errors"

// ErrNoSeries is returned, wrapped with the details, when no series matches
// a query, or a side of a comparison has no data. Test for it with
// errors.Is.
var ErrNoSeries = errors.New("pgreader: no such series")

// ErrInvalidQuery is returned, wrapped with the reason, for a query that
// cannot run: a RangeQuery with a missing or contradictory series
// selection, From not before To, an unknown Aggregate, a bad Step or
// MaxPoints; Releases without a service; an invalid CompareQuery.
var ErrInvalidQuery = errors.New("pgreader: invalid query")
