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

// endResolution is the resolution at which Sources keep times, at least
// (PostgreSQL's): a run's last interval, at its End, is before End +
// endResolution.
const endResolution = time.Microsecond

// line is one line of one side: its intervals in time order.
type line struct {
	tags      metrics.Tags
	intervals []Interval
}

// side is what one side of a comparison read: its lines by key (see
// lineKey), its span and flush interval, and the periods when its
// processes ran.
type side struct {
	lines       map[string]*line
	span        Span
	first, last time.Time // the times of the first and last intervals
	// running is the union of the runs of a release, sorted and disjoint;
	// nil when the side's running time is not known from runs (a window,
	// or a release without runs), and then every interval covers its whole
	// flush interval.
	running []period
}

// period is the time from From to To.
type period struct{ from, to time.Time }

// readSide reads side s of q: the series of all that it covers, in lines,
// and their intervals. A release side is read host by host, each within
// its run (see Source.Runs). It returns an error wrapping ErrNoData when
// the side has no data at all.
func readSide(ctx context.Context, src Source, q Query, s Side, all []Series) (*side, error) {
	series := all
	var runs []Run
	if s.Release != "" {
		series = nil
		for _, si := range all {
			if si.Tags[metrics.TagVersion] == s.Release {
				series = append(series, si)
			}
		}
		var err error
		if runs, err = src.Runs(ctx, q.Service, s.Release); err != nil {
			return nil, fmt.Errorf("compare: read the runs of release %q of service %q: %w", s.Release, q.Service, err)
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
	hosts := perHost(runs)
	lastSeen := map[string]time.Time{} // the last interval of each host
	d := &side{lines: map[string]*line{}}
	var stamps []time.Time
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		ivs, err := readLine(ctx, src, s, groups[k], hosts, lastSeen)
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
	slices.SortFunc(stamps, time.Time.Compare)
	stamps = slices.CompactFunc(stamps, time.Time.Equal)
	d.span.Flush = flushInterval(stamps)
	d.first, d.last = stamps[0], stamps[len(stamps)-1]
	d.setSpan(s, runs, lastSeen)
	return d, nil
}

// readLine reads the intervals of the series of a line, in time order:
// with runs, host by host within each host's run, the hosts' intervals
// merged; else in one query, within s's window. It records the last
// interval time of each host read in lastSeen.
func readLine(ctx context.Context, src Source, s Side, series []Series, hosts map[string]Run, lastSeen map[string]time.Time) ([]Interval, error) {
	if len(hosts) == 0 {
		return src.Intervals(ctx, IntervalQuery{Series: series, From: s.From, To: s.To, CountFirst: s.Release != ""})
	}
	byHost := map[string][]Series{}
	for _, si := range series {
		h := si.Tags[metrics.TagHost]
		byHost[h] = append(byHost[h], si)
	}
	merged := map[int64]*metrics.Merger{} // by time in ns
	times := map[int64]time.Time{}
	for _, h := range slices.Sorted(maps.Keys(byHost)) {
		iq := IntervalQuery{Series: byHost[h], CountFirst: true}
		if run, ok := hosts[h]; ok { // else a host that recorded no run: all of its data
			iq.From = run.Start
			if !run.End.IsZero() {
				iq.To = run.End.Add(endResolution)
			}
		}
		ivs, err := src.Intervals(ctx, iq)
		if err != nil {
			return nil, err
		}
		if len(ivs) == 0 {
			continue
		}
		if last := ivs[len(ivs)-1].Time; last.After(lastSeen[h]) {
			lastSeen[h] = last
		}
		if len(byHost) == 1 {
			return ivs, nil
		}
		for _, iv := range ivs {
			k := iv.Time.UnixNano()
			if merged[k] == nil {
				merged[k], times[k] = &metrics.Merger{}, iv.Time
			}
			merged[k].Add(iv.Dist)
		}
	}
	out := make([]Interval, 0, len(merged))
	for _, k := range slices.Sorted(maps.Keys(merged)) {
		out = append(out, Interval{Time: times[k], Dist: merged[k].Distribution()})
	}
	return out, nil
}

// perHost merges runs per host: from the first start to the last end, the
// end unknown (zero) when that of any run of the host is.
func perHost(runs []Run) map[string]Run {
	hosts := map[string]Run{}
	unknown := map[string]bool{}
	for _, r := range runs {
		h, ok := hosts[r.Host]
		if !ok || r.Start.Before(h.Start) {
			h.Start = r.Start
		}
		if r.End.After(h.End) {
			h.End = r.End
		}
		h.Host = r.Host
		hosts[r.Host] = h
		unknown[r.Host] = unknown[r.Host] || r.End.IsZero()
	}
	for h := range unknown {
		if unknown[h] {
			r := hosts[h]
			r.End = time.Time{}
			hosts[h] = r
		}
	}
	return hosts
}

// setSpan sets d.span's bounds and duration, and d.running, for side s:
// from the runs of a release, the unknown ends taken from lastSeen (the
// hosts' last intervals); else from the data.
func (d *side) setSpan(s Side, runs []Run, lastSeen map[string]time.Time) {
	var periods []period
	hosts := map[string]Run{}
	for _, r := range runs {
		end := r.End
		if end.IsZero() {
			end = lastSeen[r.Host]
		}
		if end.IsZero() || end.Before(r.Start) { // nothing known of when it ran
			continue
		}
		periods = append(periods, period{r.Start, end})
		h, ok := hosts[r.Host]
		if !ok || r.Start.Before(h.Start) {
			h.Start = r.Start
		}
		h.Host, h.End = r.Host, maxTime(h.End, end)
		hosts[r.Host] = h
	}
	sp := &d.span
	if len(periods) > 0 {
		d.running = union(periods)
		for _, p := range d.running {
			sp.Duration += p.to.Sub(p.from)
		}
		sp.From, sp.To = d.running[0].from, d.running[len(d.running)-1].to
		for _, h := range slices.Sorted(maps.Keys(hosts)) {
			sp.Hosts = append(sp.Hosts, hosts[h])
		}
		return
	}
	// The intervals cover from one flush interval before the first to the
	// last.
	sp.From, sp.To = d.first.Add(-sp.Flush), d.last
	sp.Duration = sp.To.Sub(sp.From)
	if s.Release == "" {
		sp.From, sp.To = s.From, s.To
		sp.Duration = min(sp.Duration, s.To.Sub(s.From))
	}
}

// union returns the union of periods, sorted and disjoint.
func union(periods []period) []period {
	slices.SortFunc(periods, func(a, b period) int { return a.from.Compare(b.from) })
	out := []period{periods[0]}
	for _, p := range periods[1:] {
		last := &out[len(out)-1]
		if p.from.After(last.to) {
			out = append(out, p)
			continue
		}
		last.to = maxTime(last.to, p.to)
	}
	return out
}

// covered returns how long the side ran within (from, to]: all of it when
// its running time is not known from runs.
func (d *side) covered(from, to time.Time) time.Duration {
	if d.running == nil {
		return to.Sub(from)
	}
	var c time.Duration
	for _, p := range d.running {
		lo, hi := maxTime(from, p.from), minTime(to, p.to)
		if hi.After(lo) {
			c += hi.Sub(lo)
		}
	}
	return c
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// resolved is s with the window of a release side filled from its span.
func (d *side) resolved(s Side) Side {
	if s.Release == "" {
		return s
	}
	return Side{Release: s.Release, From: d.span.From, To: d.span.To}
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
