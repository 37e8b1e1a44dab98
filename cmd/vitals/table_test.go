package main

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/compare"
	"github.com/vitals-go/vitals/metrics"
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
// blocks name their tags, the columns line up, a release with several
// hosts lists their windows, and a regression is marked and explained.
func TestWriteComparison(t *testing.T) {
	from := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return from.Add(time.Duration(s * float64(time.Second))) }
	untested := compare.Change{Abs: 3600, Rel: 1, PValue: math.NaN(), Effect: math.NaN()}
	cmp := &compare.Comparison{
		Query: compare.Query{Service: "alerts", Metric: "jobs.done", PerSeries: true,
			Before: compare.Side{Release: "v41", From: at(0.5), To: at(3600.5)},
			After:  compare.Side{From: from.Add(2 * time.Hour), To: from.Add(3 * time.Hour)}},
		Before: compare.Span{From: at(0.5), To: at(3600.5), Duration: 3000 * time.Second,
			Hosts: []compare.Run{{Host: "web01", Start: at(0.5), End: at(3600.5)}, {Host: "web02", Start: at(600.5), End: at(3600)}}},
		After: compare.Span{From: from.Add(2 * time.Hour), To: from.Add(3 * time.Hour), Duration: time.Hour},
		Series: []compare.Line{{
			Tags:   metrics.Tags{"queue": "base"},
			Before: compare.Stats{Intervals: 360, Count: 3600, Rate: 1},
			After:  compare.Stats{Intervals: 360, Count: 7200, Rate: 0.5},
			Changes: map[compare.Field]compare.Change{
				compare.FieldCount: untested,
				compare.FieldRate: {Abs: -0.5, Rel: -0.5, PValue: 1.2e-7, Effect: -0.498, BeforeValues: 359, AfterValues: 360,
					WorseWhen: compare.WorseWhenLower, Verdict: compare.Worse, Significant: true},
			},
		}},
	}
	var b strings.Builder
	if err := writeComparison(&b, cmp, compare.Judge{Alpha: 0.01, MinEffect: 0.1}); err != nil {
		t.Fatal(err)
	}
	want := `alerts jobs.done
before  release v41, 2026-05-01 10:00:00.5 – 11:00:00.5 UTC (1h), ran 50m, 2 hosts
          host web01: 10:00:00.5–11:00:00.5
          host web02: 10:10:00.5–11:00:00.0
after   window, 2026-05-01 12:00:00 – 13:00:00 UTC (1h)

series {queue=base}, 360 and 360 intervals
         before     after     change  relative  p-value  effect  verdict
  count    3600      7200      +3600   +100.0%        -       -
  rate      1/s  0.5000/s  -0.5000/s    -50.0%  1.2e-07  -49.8%  worse !!

p-value: Mann-Whitney U test of the per-interval values; effect: their median shift, relative to before
worse, better: p-value <= 0.01 and |effect| >= 10.0%; worse is higher values or a lower rate (a higher one for failures)
!! a regression: vitals compare exits with status 3
`
	if got := b.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	// Five intervals a side cannot reach alpha 0.005.
	ch := cmp.Series[0].Changes[compare.FieldRate]
	ch.BeforeValues, ch.AfterValues = 5, 5
	cmp.Series[0].Changes[compare.FieldRate] = ch
	b.Reset()
	if err := writeComparison(&b, cmp, compare.Judge{Alpha: 0.005, MinEffect: 0.1}); err != nil {
		t.Fatal(err)
	}
	if note := "note: with 5 and 5 intervals a side, no p-value is below 0.0079, above -alpha 0.005"; !strings.Contains(b.String(), note) {
		t.Errorf("no %q in:\n%s", note, b.String())
	}
}

func TestFormatP(t *testing.T) {
	for p, want := range map[float64]string{math.NaN(): "-", 1: "1", 0.0342: "0.034", 1.0825e-5: "1.1e-05", 0.5: "0.5"} {
		if got := formatP(p); got != want {
			t.Errorf("formatP(%v) = %q, want %q", p, got, want)
		}
	}
	for e, want := range map[float64]string{math.NaN(): "-", 1.006: "+100.6%", -0.2: "-20.0%", 0: "+0.0%"} {
		if got := formatEffect(e); got != want {
			t.Errorf("formatEffect(%v) = %q, want %q", e, got, want)
		}
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
