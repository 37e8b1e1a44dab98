package compare_test

import (
	"context"
	"errors"
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
	if ch := c.Series[1].Changes[compare.FieldCount]; ch.Abs != 6 || ch.Rel != 0 || !ch.Significant {
		t.Errorf("gc count from nothing: %+v, want +6, no relative change, significant", ch)
	}
	if q := c.Query; !q.Before.From.Equal(start) || !q.Before.To.Equal(start.Add(60*time.Second)) {
		t.Errorf("v1 resolved to [%v, %v), want its data plus one flush interval", q.Before.From, q.Before.To)
	}
}

// failingSource fails every read with err.
type failingSource struct{ err error }

func (f failingSource) Releases(context.Context, string) ([]string, error) { return nil, f.err }
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
