package compare

import "errors"

// ErrInvalidQuery is returned, wrapped with the reason, for a Query that
// cannot run: a missing Service or Metric, a side with both a Release and
// a window, a window with a missing bound or From not before To, one side
// omitted but not the other, omitted sides with fewer than two releases,
// and a metric that is a gauge or has series of several kinds. Test for it
// with errors.Is.
var ErrInvalidQuery = errors.New("compare: invalid query")

// ErrNoData is returned, wrapped with what is missing, when the metric has
// no series for the service and tags, or a side (a release or a window)
// has no data. Test for it with errors.Is.
var ErrNoData = errors.New("compare: no data")
