package pprofserver_test

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
	"github.com/vitals-go/vitals/pprofserver"
)

type seriesJSON struct {
	Name    string
	Tags    map[string]string
	Kind    string
	Unit    string
	Count   *int64
	Value   *float64
	Rates   map[string]float64
	Summary map[string]float64
}

func fetchMetrics(t *testing.T, reg *metrics.Registry) (doc struct {
	Time        time.Time
	DefaultTags map[string]string `json:"default_tags"`
	Series      []seriesJSON
}, raw []byte) {
	t.Helper()
	rec := serve(pprofserver.Config{Registry: reg}, "GET", "/debug/metrics", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, body %q", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	raw = rec.Body.Bytes()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not the documented JSON: %v\n%s", err, raw)
	}
	return doc, raw
}

func find(t *testing.T, series []seriesJSON, name string) seriesJSON {
	t.Helper()
	for _, s := range series {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no series %s in %+v", name, series)
	return seriesJSON{}
}

func near(got, want float64) bool { return math.Abs(got-want) <= 0.01*want }

// TestMetrics checks /debug/metrics' JSON, and that reading it leaves the
// histogram interval to the exporters' Snapshot.
func TestMetrics(t *testing.T) {
	t.Parallel()
	reg := metrics.NewRegistry()
	if err := reg.SetDefaultTags(metrics.Tags{"service": "alerts"}); err != nil {
		t.Fatal(err)
	}
	reg.Counter("jobs.done", metrics.Tags{"queue": "base"}).Inc(3)
	reg.Counter("jobs.idle", nil) // a zero count is still there
	reg.GaugeFloat64("load", nil).Update(0.5)
	reg.Meter("requests", nil).Mark(7)
	reg.Histogram("batch.size", nil).Update(10)
	timer := reg.Timer("query.latency", metrics.Tags{"stage": "plan"})
	for i := 1; i <= 100; i++ {
		timer.Update(time.Duration(i) * time.Millisecond)
	}

	var raw []byte
	for range 2 { // a second look sees the same interval
		doc, r := fetchMetrics(t, reg)
		raw = r
		if doc.DefaultTags["service"] != "alerts" || doc.Time.IsZero() {
			t.Errorf("default_tags %v, time %v", doc.DefaultTags, doc.Time)
		}
		names := make([]string, len(doc.Series))
		for i, s := range doc.Series {
			names[i] = s.Name
		}
		want := []string{"batch.size", "jobs.done", "jobs.idle", "load", "query.latency", "requests"}
		if !slices.Equal(names, want) {
			t.Errorf("series %q, want %q (sorted)", names, want)
		}

		c := find(t, doc.Series, "jobs.done")
		if c.Kind != "counter" || c.Count == nil || *c.Count != 3 || c.Tags["queue"] != "base" || c.Value != nil || c.Summary != nil {
			t.Errorf("counter: %+v", c)
		}
		if c := find(t, doc.Series, "jobs.idle"); c.Count == nil || *c.Count != 0 || c.Tags != nil {
			t.Errorf("idle counter: %+v", c)
		}
		if g := find(t, doc.Series, "load"); g.Kind != "gauge_float64" || g.Value == nil || *g.Value != 0.5 || g.Count != nil {
			t.Errorf("gauge: %+v", g)
		}
		if m := find(t, doc.Series, "requests"); m.Kind != "meter" || *m.Count != 7 || m.Rates == nil || m.Summary != nil {
			t.Errorf("meter: %+v", m)
		}
		if h := find(t, doc.Series, "batch.size"); h.Kind != "histogram" || h.Rates != nil || h.Summary["count"] != 1 || h.Summary["max"] != 10 {
			t.Errorf("histogram: %+v", h)
		}

		tm := find(t, doc.Series, "query.latency")
		if tm.Kind != "timer" || tm.Unit != "ns" || *tm.Count != 100 || tm.Tags["stage"] != "plan" || tm.Rates == nil {
			t.Errorf("timer: %+v", tm)
		}
		sum := tm.Summary
		if sum["count"] != 100 || sum["min"] != 1e6 || sum["max"] != 100e6 || sum["sum"] != 5050e6 {
			t.Errorf("timer summary: %v", sum)
		}
		for q, want := range map[string]float64{"p50": 50e6, "p75": 75e6, "p95": 95e6, "p99": 99e6} {
			if !near(sum[q], want) {
				t.Errorf("timer %s is %v, want %v within 1%%", q, sum[q], want)
			}
		}
		for _, k := range []string{"mean", "stddev", "p999"} {
			if _, ok := sum[k]; !ok {
				t.Errorf("timer summary has no %s: %v", k, sum)
			}
		}
	}

	// One series per line, between the header line and the closing one.
	if lines := bytes.Count(raw, []byte("\n")); lines != 6+2 {
		t.Errorf("%d lines, want 8 (header, 6 series, end):\n%s", lines, raw)
	}

	// The exporters' reader still sees the interval that /debug/metrics
	// looked at, and starts a new one.
	reader, err := reg.NewIntervalReader()
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	for i, want := range []int64{100, 0} {
		for _, s := range reader.EndInterval().Series {
			if s.Name == "query.latency" && s.Summary.Count != want {
				t.Errorf("EndInterval %d: the timer's interval has %d values, want %d", i+1, s.Summary.Count, want)
			}
		}
	}
}

func TestMetricsDefaultRegistry(t *testing.T) {
	t.Parallel()
	metrics.Default.Counter("pprofserver.test.default", nil).Inc(1)
	doc, _ := fetchMetrics(t, nil)
	if c := find(t, doc.Series, "pprofserver.test.default"); *c.Count < 1 {
		t.Errorf("counter: %+v", c)
	}
}
