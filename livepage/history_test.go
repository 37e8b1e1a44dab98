package livepage

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// gaugeSnap returns a snapshot at t of gauges named names, each of value v.
func gaugeSnap(t time.Time, v float64, names ...string) metrics.Snapshot {
	snap := metrics.Snapshot{Time: t}
	for _, n := range names {
		snap.Series = append(snap.Series, metrics.Series{Name: n, Kind: metrics.KindGauge, Value: v})
	}
	return snap
}

// TestHistoryWindow checks that snapshots older than the window are
// dropped, and series that no held snapshot has are forgotten.
func TestHistoryWindow(t *testing.T) {
	p := newPage(t, Config{Window: time.Minute})
	for i := range 10 {
		names := []string{"always"}
		if i < 3 {
			names = append(names, "early")
		}
		p.Observe(gaugeSnap(t0.Add(time.Duration(i)*10*time.Second), float64(i), names...))
	}
	st := getState(t, p, "")
	if st.Seq != 10 || len(st.Times) != 6 || st.Times[0] != t0.Add(40*time.Second).UnixMilli() || st.WindowMS != 60_000 {
		t.Errorf("a minute of 10 snapshots 10 s apart: seq %d, times %v, window %d; want the last 6", st.Seq, st.Times, st.WindowMS)
	}
	if len(st.Series) != 1 || st.Series[0].ID != "always" {
		t.Errorf("series %+v; want only \"always\": \"early\" left the window", st.Series)
	}
	if _, ok := p.hist.byID["early"]; ok || len(p.hist.list) != 1 {
		t.Errorf("the history still holds a series that left the window")
	}
	if v := st.line(t, "always", "value"); *v[0] != 4 || *v[5] != 9 {
		t.Errorf("values %v", v)
	}

	// A gap longer than the window leaves only the new snapshot.
	p.Observe(gaugeSnap(t0.Add(time.Hour), 42, "always", "later"))
	st = getState(t, p, "")
	if len(st.Times) != 1 || len(st.Series) != 2 || st.Series[0].ID != "always" || *st.line(t, "always", "value")[0] != 42 {
		t.Errorf("after a gap: times %v, series %+v", st.Times, st.Series)
	}
}

// TestHistorySlots checks that the history holds at most Window/Interval
// snapshots, and at most maxSlots, and that window_ms says so.
func TestHistorySlots(t *testing.T) {
	p := newPage(t, Config{Window: time.Hour, Interval: time.Second})
	if got := len(p.hist.times); got != maxSlots {
		t.Errorf("an hour at 1 s: %d slots, want %d", got, maxSlots)
	}
	for i := range maxSlots + 5 {
		p.Observe(gaugeSnap(t0.Add(time.Duration(i)*time.Second), 1, "g"))
	}
	st := getState(t, p, "")
	if len(st.Times) != maxSlots || st.WindowMS != maxSlots*1000 || st.Seq != maxSlots+5 {
		t.Errorf("times %d, window_ms %d, seq %d", len(st.Times), st.WindowMS, st.Seq)
	}
	if got := len(newPage(t, Config{}).hist.times); got != 360 {
		t.Errorf("an hour at 10 s: %d slots, want 360", got)
	}
}

// TestHistorySeriesCap checks MaxSeries: the series beyond it are counted,
// not kept, and take the place of series that left the window.
func TestHistorySeriesCap(t *testing.T) {
	p := newPage(t, Config{Window: 30 * time.Second, MaxSeries: 3})
	p.Observe(gaugeSnap(t0, 1, "a", "b", "c", "d", "e"))
	st := getState(t, p, "")
	if len(st.Series) != 3 || st.DroppedSeries != 2 || st.Series[2].ID != "c" {
		t.Errorf("5 series, MaxSeries 3: %d kept (%+v), %d dropped", len(st.Series), st.Series, st.DroppedSeries)
	}
	for i := 1; i <= 3; i++ {
		p.Observe(gaugeSnap(t0.Add(time.Duration(i)*10*time.Second), 1, "d", "e"))
	}
	st = getState(t, p, "")
	var ids []string
	for _, s := range st.Series {
		ids = append(ids, s.ID)
	}
	if strings.Join(ids, ",") != "d,e" || st.DroppedSeries != 0 {
		t.Errorf("once a, b and c left the window: series %v, dropped %d; want d,e and 0", ids, st.DroppedSeries)
	}
}

// TestHistoryMissing checks that a series missing from a snapshot has
// null there, and that a counter or meter is rated only between two
// consecutive snapshots, and not across a reset.
func TestHistoryMissing(t *testing.T) {
	for _, kind := range []metrics.Kind{metrics.KindCounter, metrics.KindMeter} {
		p := newPage(t, Config{})
		c := func(at time.Duration, count int64) metrics.Snapshot {
			return metrics.Snapshot{Time: t0.Add(at), Series: []metrics.Series{{Name: "c", Kind: kind, Count: count}}}
		}
		p.Observe(c(0, 100))
		p.Observe(c(10*time.Second, 200))
		p.Observe(metrics.Snapshot{Time: t0.Add(20 * time.Second)})
		p.Observe(c(30*time.Second, 500)) // its increase spans two intervals
		p.Observe(c(40*time.Second, 600))
		p.Observe(c(50*time.Second, 30)) // reset: Counter.Clear, or registered again
		p.Observe(c(60*time.Second, 80))
		got := derefAll(getState(t, p, "").line(t, "c", "rate"))
		want := []any{nil, 10.0, nil, nil, 10.0, nil, 5.0}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%v rates %v; want %v", kind, got, want)
		}
	}
}

func derefAll(ps []*float64) []any {
	out := make([]any, len(ps))
	for i, p := range ps {
		out[i] = deref(p)
	}
	return out
}

// TestHistoryOddSnapshots checks snapshots a Reporter would not produce:
// the same id twice, an id of two kinds.
func TestHistoryOddSnapshots(t *testing.T) {
	p := newPage(t, Config{})
	snap := gaugeSnap(t0, 1, "g", "g")
	snap.Series[1].Value = 2
	snap.Series = append(snap.Series, metrics.Series{Name: "g", Kind: metrics.KindCounter, Count: 5})
	p.Observe(snap)
	p.Observe(gaugeSnap(t0.Add(10*time.Second), 3, "g"))
	st := getState(t, p, "")
	if len(st.Series) != 1 || st.Series[0].Kind != "gauge" {
		t.Fatalf("series %+v", st.Series)
	}
	if v := st.line(t, "g", "value"); *v[0] != 1 || *v[1] != 3 {
		t.Errorf("values %v; want the first of the duplicates, then 3", derefAll(v))
	}
}

// TestHistoryClockStepsBack checks that a snapshot not after the newest
// one (the wall clock stepped back) starts the history again in a new
// epoch, so that no rate is taken over a made-up interval and pages get
// the new history whole.
func TestHistoryClockStepsBack(t *testing.T) {
	for _, back := range []time.Duration{5 * time.Second, 10 * time.Second} { // before, and at the newest
		p := newPage(t, Config{})
		c := func(at time.Duration, count int64) metrics.Snapshot {
			return metrics.Snapshot{Time: t0.Add(at), Series: []metrics.Series{{Name: "c", Kind: metrics.KindCounter, Count: count},
				{Name: "h", Kind: metrics.KindHistogram, Summary: metrics.Summary{Count: 100, P50: 1, P99: 2}}}}
		}
		p.Observe(c(0, 0))
		p.Observe(c(10*time.Second, 100))
		before := getState(t, p, "")
		p.Observe(c(back, 150)) // stepped back
		p.Observe(c(back+10*time.Second, 250))
		st := getState(t, p, "")
		if len(st.Times) != 2 || st.Times[0] != t0.Add(back).UnixMilli() || st.Epoch == before.Epoch || st.Seq != 4 {
			t.Errorf("back to %v: times %v, epoch %d (was %d), seq %d; want the 2 snapshots from the step, a new epoch, seq 4",
				back, st.Times, st.Epoch, before.Epoch, st.Seq)
		}
		for _, id := range []string{"c", "h"} {
			if got := derefAll(st.line(t, id, "rate")); fmt.Sprint(got) != "[<nil> 10]" {
				t.Errorf("back to %v: %s's rates %v; want null, then 10 (100 in 10 s)", back, id, got)
			}
		}
		q := fmt.Sprintf("?since=%d&epoch=%d", before.Seq, before.Epoch)
		if st := getState(t, p, q); !st.Full || len(st.Times) != 2 {
			t.Errorf("back to %v: a page of the history before the step (%s) gets full %v, times %v; want the new history whole",
				back, q, st.Full, st.Times)
		}
	}
}

// TestID checks the ids of series.
func TestID(t *testing.T) {
	for _, tc := range []struct {
		name string
		tags []metrics.Tag
		want string
	}{
		{"a.b", nil, "a.b"},
		{"http.requests", []metrics.Tag{{Key: "route", Value: "/x"}, {Key: "status", Value: "200"}}, "http.requests{route=/x,status=200}"},
		{"n", []metrics.Tag{{Key: "k", Value: `a,b=c}d\e`}}, `n{k=a\,b=c\}d\\e}`},
	} {
		if got := string(appendID(nil, tc.name, tc.tags)); got != tc.want {
			t.Errorf("appendID(%q, %v) = %q, want %q", tc.name, tc.tags, got, tc.want)
		}
	}
	a := string(appendID(nil, "n", []metrics.Tag{{Key: "a", Value: "1,b=2"}}))
	b := string(appendID(nil, "n", []metrics.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}))
	if a == b {
		t.Errorf("two series share the id %q", a)
	}
}

// TestObserveKeepsNothingOfTheSnapshot checks that the history copies
// what it keeps: the exporters own the snapshot's slices.
func TestObserveKeepsNothingOfTheSnapshot(t *testing.T) {
	p := newPage(t, Config{})
	tags := []metrics.Tag{{Key: "k", Value: "v"}}
	p.Observe(metrics.Snapshot{Time: t0, Series: []metrics.Series{{Name: "g", Tags: tags, Kind: metrics.KindGauge, Value: 1}}})
	tags[0].Value = "changed"
	st := getState(t, p, "")
	if st.Series[0].Tags["k"] != "v" {
		t.Errorf("tags %v: the history kept the snapshot's slice", st.Series[0].Tags)
	}
}

// TestHistoryShortWindow checks that a window no longer than the interval
// is raised to two intervals, so that counters still get rates.
func TestHistoryShortWindow(t *testing.T) {
	p := newPage(t, Config{Window: 10 * time.Second, Interval: 10 * time.Second})
	for i := range 3 {
		p.Observe(metrics.Snapshot{Time: t0.Add(time.Duration(i) * 10 * time.Second),
			Series: []metrics.Series{{Name: "c", Kind: metrics.KindCounter, Count: int64(100 * i)}}})
	}
	st := getState(t, p, "")
	got := st.line(t, "c", "rate")
	if st.WindowMS != 20_000 || len(got) != 2 || got[1] == nil || *got[1] != 10 {
		t.Errorf("a 10 s window at 10 s: window_ms %d, rates %v; want 20000 and the last rate 10", st.WindowMS, derefAll(got))
	}
}
