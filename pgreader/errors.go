package pgreader

import "errors"

// ErrNoSeries is returned, wrapped with the details, by Range when no
// series matches its query. Test for it with errors.Is.
var ErrNoSeries = errors.New("pgreader: no such series")

// ErrInvalidQuery is returned, wrapped with the reason, for a query that
// cannot run: a RangeQuery with a missing or contradictory series
// selection, From not before To, an unknown Aggregate, a bad Step or
// MaxPoints; Releases without a service. (Compare's are compare's own
// errors.)
var ErrInvalidQuery = errors.New("pgreader: invalid query")
