package tsdb

import "errors"

// ErrInvalidPoint is the reason, in the exporters.RejectedError that the
// console (in its put format) and opentsdb exporters return, for the
// points Flatten left out because OpenTSDB cannot store them. Each of the
// two packages exports this same value as its own ErrInvalidPoint, so
// errors.Is matches the rejection of either with either.
var ErrInvalidPoint = errors.New("not valid for OpenTSDB (NaN or infinite value, no tag or more than MaxTags tags, " +
	"an empty or duplicate name or tag, a line of 1024 bytes or more, or a time before 1970)")
