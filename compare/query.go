package compare

import (
	"fmt"
	"maps"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// Side is one side of a comparison: a release, or a time window.
type Side struct {
	// Release is the version tag of the side: every point of the series
	// tagged with this version (and the query's service), whenever written.
	// When empty, the side is the window [From, To) instead, of every
	// version.
	Release string
	// From and To bound the window [From, To). Both are required when
	// Release is empty, and From must be before To; they must both be zero
	// when Release is set.
	From, To time.Time
}

func (s Side) isZero() bool { return s.Release == "" && s.From.IsZero() && s.To.IsZero() }

// Query selects the metric of a service to compare between two sides.
type Query struct {
	// Service is the service tag. Required.
	Service string
	// Metric is the name of a histogram or timer, e.g. "stage.latency".
	// Counters and meters are accepted too, and then only FieldCount and
	// FieldRate are compared. Required.
	Metric string
	// Tags, optional, filter the series: a series is compared when its tags
	// contain every key and value of Tags (service and, for a release
	// side, version are added to them).
	Tags metrics.Tags
	// Before and After are the sides. When both are zero, they are the last
	// two releases of Service (by first start, see Source.Releases), and
	// there must be at least two. Otherwise both must be set.
	Before, After Side
	// PerSeries false merges every matching series (across hosts) into
	// one line; true gives one line per distinct tag set, ignoring the
	// host, version and service tags.
	PerSeries bool
	// Judge says when a change is a regression; its zero value holds the
	// defaults.
	Judge Judge
}

// validate checks q's fields, before anything is read.
func (q Query) validate() error {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidQuery}, args...)...)
	}
	switch {
	case q.Service == "":
		return invalid("Service is required")
	case q.Metric == "":
		return invalid("Metric is required")
	case q.Before.isZero() != q.After.isZero():
		return invalid("set both Before and After, or neither (for the last two releases)")
	}
	if err := q.Judge.validate(); err != nil {
		return invalid("%v", err)
	}
	for _, s := range []struct {
		name string
		side Side
	}{{"Before", q.Before}, {"After", q.After}} {
		switch {
		case s.side.isZero():
		case s.side.Release != "" && (!s.side.From.IsZero() || !s.side.To.IsZero()):
			return invalid("%s has both a Release (%q) and a window; set one", s.name, s.side.Release)
		case s.side.Release != "":
		case s.side.From.IsZero() || s.side.To.IsZero():
			return invalid("%s: a window needs both From and To", s.name)
		case !s.side.From.Before(s.side.To):
			return invalid("%s: From (%s) is not before To (%s)", s.name,
				s.side.From.Format(time.RFC3339Nano), s.side.To.Format(time.RFC3339Nano))
		}
	}
	return nil
}

// seriesTags returns the tags that select the series of q: q.Tags and the
// service.
func (q Query) seriesTags() metrics.Tags {
	tags := maps.Clone(q.Tags)
	if tags == nil {
		tags = metrics.Tags{}
	}
	tags[metrics.TagService] = q.Service
	return tags
}

// what names q's metric for an error message: `metric "m" of service "s"`,
// and its tags if any.
func (q Query) what() string {
	s := fmt.Sprintf("metric %q of service %q", q.Metric, q.Service)
	if len(q.Tags) > 0 {
		s += fmt.Sprintf(" with tags %v", q.Tags)
	}
	return s
}
