package compare

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// Comparison is the answer of Compare.
type Comparison struct {
	// Query is the query with its sides resolved: the releases picked when
	// they were omitted, and the windows of release sides filled from their
	// data ([Start, End + one flush interval)); the Release names are kept.
	Query Query
	// Unit is the unit of the metric's values: time.Nanosecond for timers,
	// 0 when they are not durations.
	Unit time.Duration
	// Series are the lines, sorted by their tags (one when merged).
	Series []Line
}

// Line is one line of a comparison: every matching series merged, or
// those of one tag set (Query.PerSeries).
type Line struct {
	// Tags are the distinguishing tags of the line (the series' tags but
	// host, version and service); empty when the series are merged.
	Tags          metrics.Tags
	Before, After Stats
	// Changes has every Field for histograms and timers, FieldCount and
	// FieldRate for counters and meters.
	Changes map[Field]Change
}

// Compare compares q.Metric of q.Service between two releases or two time
// windows, read from src: for each side, the values of every interval and
// host merged (counts and sums added, quantiles from the summed bucket
// counts), and for each field the change from Before to After.
//
// Significance: for each field, the field is computed per interval on the
// Before side (the hosts' buckets merged within each interval; FieldRate
// is the interval's count divided by the flush interval; intervals without
// values give no mean, quantiles or max), and s is the population standard
// deviation of those per-interval values. With at least 3 such values, a
// change is Significant when |after - before| > 3·s AND |Rel| > 5%; with
// fewer, when |Rel| > 5%. When before is 0, Rel is 0 and the change is
// Significant if after is not 0. Note that FieldCount compares the sides'
// totals against the noise of a single interval's count.
//
// Counters and meters: the count of a side is the sum over its series of
// the increases of the cumulative total between consecutive flushes (a
// decrease is a process restart: the new total counts whole). The first
// flush of a series counts its whole total on a release side (its
// processes started in the release) and nothing on a window side (what
// came before the window is unknown).
//
// Errors: ErrNoData (wrapped, naming what) when the metric has no series
// for the service and tags, or a side has no data; ErrInvalidQuery for a
// query that cannot run (see ErrInvalidQuery); the errors of src, wrapped.
func Compare(ctx context.Context, src Source, q Query) (*Comparison, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	if q.Before.isZero() && q.After.isZero() {
		var err error
		if q.Before, q.After, err = lastTwoReleases(ctx, src, q.Service); err != nil {
			return nil, err
		}
	}

	// The metric must exist for the service (and tags), whatever the sides.
	all, err := src.Series(ctx, q.Metric, q.seriesTags())
	if err != nil {
		return nil, fmt.Errorf("compare: read the series of %s: %w", q.what(), err)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%w for %s: it has no series", ErrNoData, q.what())
	}
	histogram, err := checkKind(q, all)
	if err != nil {
		return nil, err
	}

	before, err := readSide(ctx, src, q, q.Before, all)
	if err != nil {
		return nil, err
	}
	after, err := readSide(ctx, src, q, q.After, all)
	if err != nil {
		return nil, err
	}

	c := &Comparison{Query: q, Unit: all[0].Unit}
	c.Query.Before, c.Query.After = before.resolved(q.Before), after.resolved(q.After)
	keys := slices.Collect(maps.Keys(before.lines)) // and those of after.lines, sorted
	for k := range after.lines {
		if before.lines[k] == nil {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		b, a := before.lines[k], after.lines[k]
		l := Line{Tags: metrics.Tags{}}
		if b != nil {
			l.Tags = b.tags
		} else {
			l.Tags = a.tags
		}
		l.Before, l.After = b.stats(before.flush, histogram), a.stats(after.flush, histogram)
		l.Changes = changes(l.Before, l.After, b.noise(before.flush, histogram), histogram)
		c.Series = append(c.Series, l)
	}
	return c, nil
}

// lastTwoReleases returns the sides of a query that omits them: the last
// two releases of service.
func lastTwoReleases(ctx context.Context, src Source, service string) (before, after Side, err error) {
	versions, err := src.Releases(ctx, service)
	if err != nil {
		return before, after, fmt.Errorf("compare: read the releases of service %q: %w", service, err)
	}
	if len(versions) < 2 {
		return before, after, fmt.Errorf("%w: Before and After omitted, but service %q has %d release(s) recorded, fewer than two",
			ErrInvalidQuery, service, len(versions))
	}
	return Side{Release: versions[len(versions)-2]}, Side{Release: versions[len(versions)-1]}, nil
}

// checkKind checks that the series of q are all of one kind that Compare
// takes, and reports whether it is a histogram or timer (else a counter or
// meter).
func checkKind(q Query, all []Series) (histogram bool, err error) {
	kind := all[0].Kind
	for _, s := range all {
		if s.Kind != kind {
			return false, fmt.Errorf("%w: metric %q of service %q has series of kinds %s and %s",
				ErrInvalidQuery, q.Metric, q.Service, kind, s.Kind)
		}
	}
	switch kind {
	case metrics.KindHistogram, metrics.KindTimer:
		return true, nil
	case metrics.KindCounter, metrics.KindMeter:
		return false, nil
	}
	return false, fmt.Errorf("%w: metric %q of service %q is a %s; Compare takes histograms, timers, counters and meters",
		ErrInvalidQuery, q.Metric, q.Service, kind)
}
