package compare_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/vitals-go/vitals/compare"
	"github.com/vitals-go/vitals/metrics"
)

// memSource is a compare.Source held in memory: the shape of what another
// backend implements to feed Compare.
type memSource struct {
	releases map[string][]string      // versions by service, oldest first
	runs     map[string][]compare.Run // by "service/version"
	series   []memSeries
}

// memSeries is one series and what it recorded, one point per flush, in
// time order.
type memSeries struct {
	name string
	compare.Series
	points []memPoint
}

// memPoint is one flush of a series: the distribution of a histogram or
// timer's interval, or the cumulative total of a counter or meter.
type memPoint struct {
	time  time.Time
	dist  metrics.Distribution
	total int64
}

func (m *memSource) Releases(_ context.Context, service string) ([]string, error) {
	return m.releases[service], nil
}

func (m *memSource) Runs(_ context.Context, service, version string) ([]compare.Run, error) {
	return m.runs[service+"/"+version], nil
}

func (m *memSource) Series(_ context.Context, name string, tags metrics.Tags) ([]compare.Series, error) {
	var out []compare.Series
	for _, s := range m.series {
		contains := true
		for k, v := range tags {
			if got, ok := s.Tags[k]; !ok || got != v {
				contains = false
			}
		}
		if s.name == name && contains {
			out = append(out, s.Series)
		}
	}
	return out, nil
}

func (m *memSource) Intervals(_ context.Context, q compare.IntervalQuery) ([]compare.Interval, error) {
	merged := map[time.Time]*metrics.Merger{}
	add := func(t time.Time, d metrics.Distribution) {
		if merged[t] == nil {
			merged[t] = &metrics.Merger{}
		}
		merged[t].Add(d)
	}
	for _, want := range q.Series {
		for _, s := range m.series {
			if s.ID != want.ID {
				continue
			}
			var prev *memPoint
			for i, p := range s.points {
				if !q.From.IsZero() && p.time.Before(q.From) || !q.To.IsZero() && !p.time.Before(q.To) {
					continue
				}
				switch s.Kind {
				case metrics.KindHistogram, metrics.KindTimer:
					add(p.time, p.dist)
				default: // the events since the previous point; a decrease is a restart
					events := p.total
					switch {
					case prev == nil && !q.CountFirst:
						events = 0
					case prev != nil && p.total >= prev.total:
						events = p.total - prev.total
					}
					add(p.time, metrics.Distribution{Count: events})
				}
				prev = &s.points[i]
			}
		}
	}
	var out []compare.Interval
	for _, t := range slices.SortedFunc(maps.Keys(merged), time.Time.Compare) {
		out = append(out, compare.Interval{Time: t, Dist: merged[t].Distribution()})
	}
	return out, nil
}

// distribution returns the distribution of values, as a histogram records
// them in one interval.
func distribution(values ...int64) metrics.Distribution {
	var m metrics.Merger
	for _, v := range values {
		m.Add(metrics.Distribution{Count: 1, Sum: v, Min: v, Max: v,
			Buckets: []metrics.Bucket{{Index: metrics.BucketIndex(v), Count: 1}}})
	}
	return m.Distribution()
}

// timerOf returns a timer of service api, release version, that recorded
// values in each of six 10 s intervals from start.
func timerOf(id int64, version string, start time.Time, values ...int64) memSeries {
	s := memSeries{name: "query.latency", Series: compare.Series{ID: id, Kind: metrics.KindTimer, Unit: time.Nanosecond,
		Tags: metrics.Tags{"service": "api", "version": version, "host": "web01"}}}
	for i := range 6 {
		s.points = append(s.points, memPoint{time: start.Add(time.Duration(i) * 10 * time.Second), dist: distribution(values...)})
	}
	return s
}

// Release v2 of a service doubled its query latency: Compare, fed by a
// Source held in memory, says so and flags it.
func ExampleCompare() {
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	ms := int64(time.Millisecond)
	src := &memSource{
		releases: map[string][]string{"api": {"v1", "v2"}},
		series: []memSeries{
			timerOf(1, "v1", start, 9*ms, 10*ms, 10*ms, 11*ms, 30*ms),
			timerOf(2, "v2", start.Add(time.Hour), 18*ms, 20*ms, 20*ms, 22*ms, 60*ms),
		},
	}
	c, err := compare.Compare(context.Background(), src, compare.Query{Service: "api", Metric: "query.latency"})
	if err != nil {
		fmt.Println(err)
		return
	}
	line := c.Series[0]
	fmt.Printf("%s -> %s, %d and %d intervals\n", c.Query.Before.Release, c.Query.After.Release,
		line.Before.Intervals, line.After.Intervals)
	show := func(f compare.Field, v float64) string {
		if f == compare.FieldCount || c.Unit == 0 {
			return fmt.Sprint(v)
		}
		return time.Duration(v * float64(c.Unit)).Round(10 * time.Microsecond).String()
	}
	for _, f := range []compare.Field{compare.FieldCount, compare.FieldP50, compare.FieldMax} {
		ch := line.Changes[f]
		fmt.Printf("%-5s %7s -> %-7s %+4.0f%%  significant: %v\n", f,
			show(f, line.Before.Value(f)), show(f, line.After.Value(f)), 100*ch.Rel, ch.Significant)
	}
	// Output:
	// v1 -> v2, 6 and 6 intervals
	// count      30 -> 30        +0%  significant: false
	// p50    9.93ms -> 19.85ms +100%  significant: true
	// max      30ms -> 60ms    +100%  significant: true
}
