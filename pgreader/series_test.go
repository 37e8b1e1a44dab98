package pgreader

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

func TestReaderSeries(t *testing.T) {
	t.Parallel()
	e := newRDEnv(t)
	a := e.series(t, "api.latency", "timer", "ns", map[string]string{"host": "a", "service": "api"})
	b := e.series(t, "api.latency", "timer", "ns", map[string]string{"host": "b", "service": "api"})
	c := e.series(t, "api.latency", "timer", "ns", map[string]string{"host": "c", "service": "other"})
	q := e.series(t, "queue.depth", "gauge", "", map[string]string{"host": "a", "service": "api"})
	u := e.series(t, "untagged", "counter", "", map[string]string{})
	r := e.reader(t)

	ids := func(infos []SeriesInfo) []int64 {
		var out []int64
		for _, s := range infos {
			out = append(out, s.ID)
		}
		return out
	}
	sortedIDs := func(ids ...int64) []int64 { return slices.Sorted(slices.Values(ids)) }

	for _, tc := range []struct {
		name   string
		filter map[string]string
		want   []int64
	}{
		{"api.latency", nil, sortedIDs(a, b, c)},
		{"api.latency", map[string]string{"service": "api"}, sortedIDs(a, b)},
		{"api.latency", map[string]string{"service": "api", "host": "b"}, []int64{b}},
		{"api.latency", map[string]string{"service": "other", "host": "a"}, nil}, // every pair must match
		{"", map[string]string{"host": "a"}, sortedIDs(a, q)},
		{"", nil, sortedIDs(a, b, c, q, u)},
		{"no.such.name", nil, nil},
		{"queue.depth", map[string]string{"zone": "x"}, nil},
	} {
		got, err := r.Series(e.ctx, tc.name, tc.filter)
		if err != nil {
			t.Fatalf("Series(%q, %v): %v", tc.name, tc.filter, err)
		}
		if !slices.Equal(ids(got), tc.want) {
			t.Errorf("Series(%q, %v) = ids %v, want %v", tc.name, tc.filter, ids(got), tc.want)
		}
	}

	got, err := r.Series(e.ctx, "api.latency", map[string]string{"host": "c"})
	if err != nil || len(got) != 1 {
		t.Fatalf("Series(host c) = %v, %v", got, err)
	}
	s := got[0]
	if s.ID != c || s.Name != "api.latency" || s.Kind != metrics.KindTimer || s.Unit != time.Nanosecond ||
		!maps.Equal(s.Tags, map[string]string{"host": "c", "service": "other"}) ||
		time.Since(s.FirstSeen) > time.Hour || time.Since(s.FirstSeen) < -time.Hour {
		t.Errorf("Series(host c) = %+v", s)
	}
	got, err = r.Series(e.ctx, "untagged", nil)
	if err != nil || len(got) != 1 || got[0].Tags == nil || len(got[0].Tags) != 0 || got[0].Kind != metrics.KindCounter {
		t.Errorf("Series(untagged) = %+v, %v; want one counter with empty, non-nil tags", got, err)
	}

	r.Close()
	r.Close() // harmless
	if _, err := r.Series(e.ctx, "api.latency", nil); err == nil {
		t.Error("Series after Close: no error")
	}
}
