package compare

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// defaultFlush is the flush interval assumed for a side with one flush.
const defaultFlush = 10 * time.Second

// line is one line of one side: its intervals in time order.
type line struct {
	tags      metrics.Tags
	intervals []Interval
}

// side is what one side of a comparison read: its lines by key (see
// lineKey), the times of its first and last intervals, and its flush
// interval.
type side struct {
	lines      map[string]*line
	start, end time.Time
	flush      time.Duration
}

// readSide reads side s of q: the series of all that it covers, in lines,
// and their intervals. It returns an error wrapping ErrNoData when the side
// has no data at all.
func readSide(ctx context.Context, src Source, q Query, s Side, all []Series) (*side, error) {
	series := all
	if s.Release != "" {
		series = nil
		for _, si := range all {
			if si.Tags[metrics.TagVersion] == s.Release {
				series = append(series, si)
			}
		}
	}
	noData := func() error {
		if s.Release != "" {
			return fmt.Errorf("%w for %s in release %q", ErrNoData, q.what(), s.Release)
		}
		return fmt.Errorf("%w for %s in the window [%s, %s)", ErrNoData, q.what(),
			s.From.Format(time.RFC3339Nano), s.To.Format(time.RFC3339Nano))
	}

	// The lines: one, or one per distinct tag set.
	groups := map[string][]Series{}
	tags := map[string]metrics.Tags{}
	for _, si := range series {
		k, lt := "", metrics.Tags{}
		if q.PerSeries {
			lt = lineTags(si.Tags)
			k = lineKey(lt)
		}
		groups[k] = append(groups[k], si)
		tags[k] = lt
	}

	d := &side{lines: map[string]*line{}}
	var stamps []time.Time
	for k, g := range groups {
		ivs, err := src.Intervals(ctx, IntervalQuery{Series: g, From: s.From, To: s.To, CountFirst: s.Release != ""})
		if err != nil {
			return nil, fmt.Errorf("compare: read the intervals of %s: %w", q.what(), err)
		}
		if len(ivs) == 0 {
			continue
		}
		d.lines[k] = &line{tags: tags[k], intervals: ivs}
		for _, iv := range ivs {
			stamps = append(stamps, iv.Time)
		}
	}
	if len(d.lines) == 0 {
		return nil, noData()
	}
	slices.SortFunc(stamps, func(a, b time.Time) int { return a.Compare(b) })
	stamps = slices.CompactFunc(stamps, func(a, b time.Time) bool { return a.Equal(b) })
	d.start, d.end = stamps[0], stamps[len(stamps)-1]
	d.flush = flushInterval(stamps)
	return d, nil
}

// resolved is s with the window of a release side filled from d's data:
// [start, end + one flush interval).
func (d *side) resolved(s Side) Side {
	if s.Release == "" {
		return s
	}
	return Side{Release: s.Release, From: d.start, To: d.end.Add(d.flush)}
}

// lineTags are the tags that tell a PerSeries line apart: the series' tags
// but host, version and service.
func lineTags(tags metrics.Tags) metrics.Tags {
	out := maps.Clone(tags)
	delete(out, metrics.TagHost)
	delete(out, metrics.TagVersion)
	delete(out, metrics.TagService)
	if out == nil {
		out = metrics.Tags{}
	}
	return out
}

// lineKey is a stable text key of line tags, for grouping and sorting.
func lineKey(tags metrics.Tags) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		fmt.Fprintf(&b, "%q=%q,", k, tags[k])
	}
	return b.String()
}

// flushInterval estimates the flush interval from the sorted, distinct
// times of a side: the median gap, or defaultFlush with one time.
func flushInterval(stamps []time.Time) time.Duration {
	if len(stamps) < 2 {
		return defaultFlush
	}
	gaps := make([]time.Duration, len(stamps)-1)
	for i := range gaps {
		gaps[i] = stamps[i+1].Sub(stamps[i])
	}
	slices.Sort(gaps)
	return gaps[len(gaps)/2]
}
