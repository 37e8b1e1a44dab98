package compare_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/compare"
	"github.com/vitals-go/vitals/metrics"
)

// TestComparePerSeriesLines: per series, a tag set that only one side has
// gets a line, its other side empty; lines are sorted by their tags, which
// leave out host, service and version.
func TestComparePerSeriesLines(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	tagged := func(s memSeries, k, v string) memSeries {
		s.Tags[k] = v
		return s
	}
	src := &memSource{
		releases: map[string][]string{"api": {"v1", "v2"}},
		series: []memSeries{
			tagged(timerOf(1, "v1", start, 10, 20), "stage", "plan"),
			tagged(timerOf(2, "v1", start, 30), "stage", "exec"),
			tagged(timerOf(3, "v2", start.Add(time.Hour), 40), "stage", "exec"),
			tagged(timerOf(4, "v2", start.Add(time.Hour), 50), "stage", "gc"),
		},
	}
	c, err := compare.Compare(context.Background(), src, compare.Query{Service: "api", Metric: "query.latency", PerSeries: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Series) != 3 || c.Unit != time.Nanosecond {
		t.Fatalf("%d lines, unit %v; want 3 (exec, gc, plan), 1ns", len(c.Series), c.Unit)
	}
	for i, want := range []struct {
		stage         string
		before, after int64 // counts
	}{{"exec", 6, 6}, {"gc", 0, 6}, {"plan", 12, 0}} {
		l := c.Series[i]
		if len(l.Tags) != 1 || l.Tags["stage"] != want.stage || l.Before.Count != want.before || l.After.Count != want.after {
			t.Errorf("line %d: tags %v, counts %d and %d; want stage=%s, %d and %d",
				i, l.Tags, l.Before.Count, l.After.Count, want.stage, want.before, want.after)
		}
		if len(l.Changes) != 8 {
			t.Errorf("line %d: %d changes, want 8", i, len(l.Changes))
		}
	}
	if ch := c.Series[1].Changes[compare.FieldCount]; ch.Abs != 6 || ch.Rel != 0 || ch.Verdict != compare.Untested {
		t.Errorf("gc count from nothing: %+v, want +6, no relative change, untested", ch)
	}
	if ch := c.Series[1].Changes[compare.FieldP50]; ch.Verdict != compare.Untested {
		t.Errorf("gc p50 from nothing: %+v, want untested", ch)
	}
	// Without runs, a release covers its intervals: from one flush
	// interval before the first (at start) to the last (50 s later).
	if q, sp := c.Query, c.Before; !q.Before.From.Equal(start.Add(-10*time.Second)) || !q.Before.To.Equal(start.Add(50*time.Second)) ||
		sp.Duration != time.Minute || sp.Flush != 10*time.Second || sp.Hosts != nil {
		t.Errorf("v1 resolved to [%v, %v], span %+v; want its data, from one flush interval before", q.Before.From, q.Before.To, sp)
	}
}

// failingSource fails every read with err.
type failingSource struct{ err error }

func (f failingSource) Releases(context.Context, string) ([]string, error) { return nil, f.err }
func (f failingSource) Runs(context.Context, string, string) ([]compare.Run, error) {
	return nil, f.err
}
func (f failingSource) Series(context.Context, string, metrics.Tags) ([]compare.Series, error) {
	return nil, f.err
}
func (f failingSource) Intervals(context.Context, compare.IntervalQuery) ([]compare.Interval, error) {
	return nil, f.err
}

// TestCompareSourceErrors: the errors of the source come back wrapped,
// saying what was being read; a query is checked before anything is read.
func TestCompareSourceErrors(t *testing.T) {
	t.Parallel()
	cause := errors.New("connection reset")
	src := failingSource{cause}
	ctx := context.Background()
	for _, tc := range []struct {
		q    compare.Query
		want string
	}{
		{compare.Query{Service: "api", Metric: "m"}, `compare: read the releases of service "api": connection reset`},
		{compare.Query{Service: "api", Metric: "m", Before: compare.Side{Release: "v1"}, After: compare.Side{Release: "v2"}},
			`compare: read the series of metric "m" of service "api": connection reset`},
	} {
		_, err := compare.Compare(ctx, src, tc.q)
		if !errors.Is(err, cause) || err.Error() != tc.want {
			t.Errorf("Compare(%+v) = %v; want %q, wrapping the cause", tc.q, err, tc.want)
		}
	}
	_, err := compare.Compare(ctx, src, compare.Query{Metric: "m"})
	if !errors.Is(err, compare.ErrInvalidQuery) || !strings.Contains(err.Error(), "Service is required") {
		t.Errorf("Compare without a service = %v, want ErrInvalidQuery before any read", err)
	}
}

// runOf returns the points of a timer's process that ran from start to
// end with 1 s flushes: one per whole second after start, and the final
// flush at end, each of n values of 5 ms.
func runOf(start, end time.Time, n int) []memPoint {
	var points []memPoint
	for t := start.Truncate(time.Second).Add(time.Second); t.Before(end); t = t.Add(time.Second) {
		points = append(points, memPoint{time: t, dist: distribution(slices.Repeat([]int64{5e6}, n)...)})
	}
	return append(points, memPoint{time: end, dist: distribution(slices.Repeat([]int64{5e6}, n)...)})
}

// TestCompareRuns: a release is read host by host within its runs, and its
// rate is over the time its processes ran. v1 ran on host a from 10:00:00.5
// to 10:00:20.5 and again from 10:01:00.2 to 10:01:10.2, on host b from
// 10:00:05.3 to 10:00:25.3 (a point written later, at 10:00:40, is not
// its run's and is left out), and on host c from 10:00:02 until its last
// interval, at 10:00:12, its end not recorded.
func TestCompareRuns(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	timer := func(id int64, host string, points ...[]memPoint) memSeries {
		s := memSeries{name: "query.latency", Series: compare.Series{ID: id, Kind: metrics.KindTimer, Unit: time.Nanosecond,
			Tags: metrics.Tags{"service": "api", "version": "v1", "host": host}}}
		for _, p := range points {
			s.points = append(s.points, p...)
		}
		return s
	}
	stray := []memPoint{{time: at(40), dist: distribution(1e9)}}
	src := &memSource{
		runs: map[string][]compare.Run{"api/v1": {
			{Host: "a", Start: at(0.5), End: at(20.5)}, {Host: "a", Start: at(60.2), End: at(70.2)},
			{Host: "b", Start: at(5.3), End: at(25.3)},
			{Host: "c", Start: at(2)},
		}},
		series: []memSeries{
			timer(1, "a", runOf(at(0.5), at(20.5), 10), runOf(at(60.2), at(70.2), 10)),
			timer(2, "b", runOf(at(5.3), at(25.3), 10), stray),
			timer(3, "c", runOf(at(2), at(12), 10)[:10]), // its last interval at 10:00:12
			timer(4, "a", runOf(at(0), at(100), 1)),      // v2, on the other side
		},
	}
	src.series[3].Tags["version"] = "v2"
	c, err := compare.Compare(context.Background(), src, compare.Query{Service: "api", Metric: "query.latency",
		Before: compare.Side{Release: "v1"}, After: compare.Side{Release: "v2"}})
	if err != nil {
		t.Fatal(err)
	}
	sp := c.Before
	wantHosts := []compare.Run{{Host: "a", Start: at(0.5), End: at(70.2)}, {Host: "b", Start: at(5.3), End: at(25.3)},
		{Host: "c", Start: at(2), End: at(12)}}
	if !sp.From.Equal(at(0.5)) || !sp.To.Equal(at(70.2)) || !slices.Equal(sp.Hosts, wantHosts) {
		t.Errorf("span [%v, %v], hosts %v; want [%v, %v], %v", sp.From, sp.To, sp.Hosts, at(0.5), at(70.2), wantHosts)
	}
	// Running: [0.5, 25.3] and [60.2, 70.2].
	if want := 34800 * time.Millisecond; sp.Duration != want || sp.Flush != time.Second {
		t.Errorf("duration %v, flush %v; want %v, 1s", sp.Duration, sp.Flush, want)
	}
	if !c.Query.Before.From.Equal(sp.From) || !c.Query.Before.To.Equal(sp.To) {
		t.Errorf("query resolved to %+v, want the span", c.Query.Before)
	}
	// a: 21 + 11 points, b: 21 (the stray one left out), c: 10; 10 values each.
	st := c.Series[0].Before
	if st.Count != 630 || st.Max != 5e6 || math.Abs(st.Rate-630/34.8) > 1e-9 {
		t.Errorf("count %d, max %d, rate %v; want 630 values of 5ms, over 34.8 s", st.Count, st.Max, st.Rate)
	}
}
