package main

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/compare"
	"github.com/vitals-go/vitals/metrics"
	"github.com/vitals-go/vitals/pgreader"
)

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		field  compare.Field
		unit   time.Duration
		v      float64
		signed bool
		want   string
	}{
		{"p50", time.Nanosecond, 10.24e6, false, "10.2ms"},
		{"p50", time.Nanosecond, 850, false, "850ns"},
		{"p50", time.Nanosecond, 12345, false, "12.3µs"},
		{"p50", time.Nanosecond, 999.7e3, false, "1ms"},
		{"p50", time.Nanosecond, 1.5e9, false, "1.5s"},
		{"max", time.Nanosecond, 123e9, false, "2m3s"},
		{"mean", time.Nanosecond, -5.07e6, true, "-5.07ms"},
		{"mean", time.Nanosecond, 5.07e6, true, "+5.07ms"},
		{"mean", time.Nanosecond, 0, true, "0ns"},
		{"count", time.Nanosecond, 836, false, "836"},
		{"count", 0, -426, true, "-426"},
		{"rate", time.Nanosecond, 142.93, false, "142.9/s"},
		{"rate", 0, 0.5, true, "+0.5000/s"},
		{"p99", 0, 20.25, false, "20.25"},
		{"max", 0, 4096, false, "4096"},
		{"mean", 0, math.NaN(), false, "-"},
	} {
		if got := formatValue(tc.field, tc.unit, tc.v, tc.signed); got != tc.want {
			t.Errorf("formatValue(%q, %v, %v, %v) = %q, want %q", tc.field, tc.unit, tc.v, tc.signed, got, tc.want)
		}
	}
}

func TestFormatRel(t *testing.T) {
	for _, tc := range []struct {
		before, after, rel float64
		want               string
	}{
		{10, 19.82, 0.982, "+98.2%"},
		{10, 5, -0.5, "-50.0%"},
		{0, 0, 0, "0.0%"},
		{0, 3, 0, "n/a"},
	} {
		if got := formatRel(tc.before, tc.after, tc.rel); got != tc.want {
			t.Errorf("formatRel(%v, %v, %v) = %q, want %q", tc.before, tc.after, tc.rel, got, tc.want)
		}
	}
}

// TestWriteComparison: a counter has count and rate rows only, per-series
// blocks name their tags, and the columns line up.
func TestWriteComparison(t *testing.T) {
	from := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	cmp := &compare.Comparison{
		Query: compare.Query{Service: "alerts", Metric: "jobs.done", PerSeries: true,
			Before: compare.Side{Release: "v41", From: from, To: from.Add(time.Hour)},
			After:  compare.Side{From: from.Add(2 * time.Hour), To: from.Add(3 * time.Hour)}},
		Series: []compare.Line{{
			Tags:   metrics.Tags{"queue": "base"},
			Before: compare.Stats{Intervals: 360, Count: 3600, Rate: 1},
			After:  compare.Stats{Intervals: 360, Count: 7200, Rate: 2},
			Changes: map[compare.Field]compare.Change{
				compare.FieldCount: {Abs: 3600, Rel: 1, Significant: true},
				compare.FieldRate:  {Abs: 1, Rel: 1},
			},
		}},
	}
	sides := describeSides(cmp, []pgreader.Release{{Version: "v41", Hosts: 3}})
	var b strings.Builder
	if err := writeComparison(&b, cmp, sides); err != nil {
		t.Fatal(err)
	}
	want := `alerts jobs.done
before  release v41, 2026-05-01 10:00:00 – 11:00:00 UTC (1h), 3 hosts
after   window, 2026-05-01 12:00:00 – 13:00:00 UTC (1h)

series {queue=base}, 360 and 360 intervals
         before  after  change  relative
  count    3600   7200   +3600   +100.0%  !!
  rate      1/s    2/s    +1/s   +100.0%

!! the change stands out from the interval-to-interval noise of the before side
`
	if got := b.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestParseSide(t *testing.T) {
	s, err := parseSide("before", "", "2026-05-01T10:00:00Z, 2026-05-01T11:00:00+02:00")
	if err != nil || !s.From.Equal(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)) || !s.To.Equal(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)) {
		// 11:00+02:00 is 09:00Z, before FROM: an error is expected instead.
		if err == nil {
			t.Errorf("parseSide accepted a window that ends before it starts: %+v", s)
		}
	}
	if _, err := parseSide("before", "v1", "2026-05-01T10:00:00Z,2026-05-01T11:00:00Z"); err == nil {
		t.Error("parseSide accepted both a release and a window")
	}
	s, err = parseSide("after", "", "2026-05-01T10:00:00Z,2026-05-01T11:00:00Z")
	if err != nil || s.To.Sub(s.From) != time.Hour || s.Release != "" {
		t.Errorf("parseSide = %+v, %v", s, err)
	}
}
