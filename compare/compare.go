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
	// spans (Before.From, Before.To and After's); the Release names are
	// kept.
	Query Query
	// Before and After are the times the sides cover.
	Before, After Span
	// Unit is the unit of the metric's values: time.Nanosecond for timers,
	// 0 when they are not durations.
	Unit time.Duration
	// Series are the lines, sorted by their tags (one when merged).
	Series []Line
}

// Span is the time a side of a comparison covers.
type Span struct {
	// From and To bound the side. For a release with recorded runs (see
	// Source.Runs), from the start of its first process to the last export
	// of its last: the time it really ran. For a release without runs,
	// from one flush interval before its first interval to its last. For a
	// window, the window.
	From, To time.Time
	// Duration is the time that the rates are over. For a release with
	// runs, the time during which at least one of its processes ran (the
	// union of the runs, so that neither an overlap of hosts nor a pause
	// between runs counts twice or at all). Otherwise the time its
	// intervals cover, from one flush interval before the first to the
	// last, at most To - From.
	Duration time.Duration
	// Hosts are the runs of a release merged per host (from the start of
	// its first process on the host to the last export of its last),
	// sorted by host: the windows within which each host's intervals were
	// read. Nil for a window, or a release without runs.
	Hosts []Run
	// Flush is the flush interval: the median time between consecutive
	// intervals, 10 s when there is one.
	Flush time.Duration
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
// Sides: a window side reads the intervals whose times are in [From, To).
// A release side reads the series tagged with its version, host by host,
// the intervals within the host's run: from the start of the first process
// of the release on the host to the last export of its last (see
// Source.Runs); a host without a recorded run is read whole. The side's
// Span says what it covers, and its rates are over Span.Duration, the time
// its processes really ran.
//
// The judge, like the Mann-Whitney classifier of automated canary analysis
// (Netflix's Kayenta): each field but FieldCount is computed per interval
// on each side (see below), and the two sets of values are compared by a
// two-sided Mann-Whitney U test, which assumes nothing of their
// distribution. A change is Significant when its p-value is at most
// Judge.Alpha AND its effect, the Hodges-Lehmann shift of the per-interval
// values relative to their median before, is at least Judge.MinEffect in
// size: unlikely to be noise, and large enough to matter. Its Verdict is
// then Worse or Better by the field's direction (see Direction: by
// default, higher values are worse and a lower rate is worse, except for
// metrics named for failures, whose higher rate is worse;
// Judge.WorseWhen overrides it). A field with fewer than two values on a
// side is Untested; so is FieldCount, whose totals depend on how long each
// side ran (its per-interval form is FieldRate).
//
// The per-interval values: each interval is taken on its own, the hosts'
// values merged (their buckets summed, quantiles read from the sum).
// FieldRate is the interval's count over the time it covers: since the
// previous interval, at most one flush interval, during which a process of
// the side ran. An interval that covers less than half a flush interval
// (the partial first one after a start, and last one before a stop) gives
// no values, its few events being noise; its events still count in the
// side's totals. Intervals without values give a rate of 0, and no mean,
// quantiles or max.
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
	judge := q.Judge.withDefaults()
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

	c := &Comparison{Query: q, Unit: all[0].Unit, Before: before.span, After: after.span}
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
		l.Before, l.After = b.stats(before, histogram), a.stats(after, histogram)
		l.Changes = changes(judge, q.Metric, l.Before, l.After, b.samples(before, histogram), a.samples(after, histogram), histogram)
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
