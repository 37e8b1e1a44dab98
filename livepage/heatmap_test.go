package livepage

import (
	"encoding/json"
	"math"
	"math/bits"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// heatmapJSON is a decoded api/heatmap.
type heatmapJSON struct {
	ID     string      `json:"id"`
	Times  []int64     `json:"times"`
	Starts []int64     `json:"starts"`
	Bounds []float64   `json:"bounds"`
	Counts [][]float64 `json:"counts"`
}

// TestHeatmap checks api/heatmap for a timer, and its errors. Its columns
// are of columnSpan (3) snapshots: one without values, one with values
// (and two with none), one without the timer.
func TestHeatmap(t *testing.T) {
	s := newSnapper(t)
	timer, gauge := s.reg.Timer("query.latency", nil), s.reg.Gauge("g", nil)
	gauge.Update(1)
	p := newPage(t, Config{})
	for i := range 3 { // the timer has no values yet
		p.Observe(s.at(t0.Add(time.Duration(i) * 10 * time.Second)))
	}
	for range 90 {
		timer.Update(time.Millisecond)
	}
	for range 10 {
		timer.Update(100 * time.Millisecond)
	}
	for i := 3; i < 6; i++ {
		p.Observe(s.at(t0.Add(time.Duration(i) * 10 * time.Second)))
	}
	p.Observe(metrics0(t0.Add(60 * time.Second))) // without the timer

	w := serve(t, p, "/api/heatmap?id="+url.QueryEscape("query.latency"))
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("api/heatmap: %d %s", w.Code, w.Body)
	}
	var hm heatmapJSON
	if err := json.Unmarshal(w.Body.Bytes(), &hm); err != nil {
		t.Fatal(err)
	}
	if hm.ID != "query.latency" || len(hm.Times) != 3 || len(hm.Starts) != 3 || len(hm.Bounds) != bandCount || len(hm.Counts) != 3 {
		t.Fatalf("heatmap: %+v", hm)
	}
	ms := func(s int) int64 { return t0.Add(time.Duration(s) * time.Second).UnixMilli() }
	if want := []int64{ms(20), ms(50), ms(60)}; !slices.Equal(hm.Times, want) {
		t.Errorf("times %v, want %v: each column's newest snapshot", hm.Times, want)
	}
	if want := []int64{ms(-10), ms(20), ms(50)}; !slices.Equal(hm.Starts, want) {
		t.Errorf("starts %v, want %v: the snapshot before each column's first", hm.Starts, want)
	}
	if hm.Counts[0] == nil || hm.Counts[2] != nil || len(hm.Counts[1]) != bandCount {
		t.Errorf("counts %v: want zeros for the intervals without values, a row of %d bands, then null", hm.Counts, bandCount)
	}
	// 1 ms (octave 20) and 100 ms (octave 27) fit in the bands, 7 apart.
	var rows []int
	for i, c := range hm.Counts[1] {
		if c != 0 {
			rows = append(rows, i)
			lo, hi := hm.Bounds[i], 2*hm.Bounds[i]
			if i == 0 || i == bandCount-1 || !(lo <= 1e6 && 1e6 < hi || lo <= 1e8 && 1e8 < hi) {
				t.Errorf("band %d [%v, %v) has %v", i, lo, hi, c)
			}
		}
	}
	if len(rows) != 2 || rows[1]-rows[0] != 7 {
		t.Errorf("bands with values: %v, want two, 7 apart", rows)
	}
	if c := hm.Counts[1][rows[0]]; c < 90/1.5 || c > 90*1.5 {
		t.Errorf("the 1 ms band counts %v, want about 90", c)
	}

	for target, code := range map[string]int{
		"/api/heatmap?id=nope": http.StatusNotFound,
		"/api/heatmap?id=g":    http.StatusBadRequest,
		"/api/heatmap":         http.StatusBadRequest,
	} {
		w := serve(t, p, target)
		var e struct{ Error string }
		if w.Code != code || json.Unmarshal(w.Body.Bytes(), &e) != nil || !strings.HasPrefix(e.Error, "livepage: ") {
			t.Errorf("%s: %d %s, want %d with a JSON error", target, w.Code, w.Body, code)
		}
	}
}

// TestHeatmapColumns checks the heatmap's columns of columnSpan (3)
// snapshots in a history of 5: a column of fewer snapshots so far, one
// whose first snapshot left the history (not shown), and a restart (a new
// column begins, whatever the snapshots' numbers).
func TestHeatmapColumns(t *testing.T) {
	s := newSnapper(t)
	timer := s.reg.Timer("q", nil)
	h := newHistory(50*time.Second, 10*time.Second, 10)
	value := func(i int) int64 { return 1 << (14 + i%6) } // one octave per snapshot, in the bands
	observe := func(i, at int) {
		for range 10 {
			timer.Update(time.Duration(value(i)))
		}
		snap := s.at(t0.Add(time.Duration(at) * time.Second))
		h.observe(&snap)
	}
	ms := func(s int) int64 { return t0.Add(time.Duration(s) * time.Second).UnixMilli() }
	// check checks the columns' times, starts and the snapshots whose
	// values each column has.
	check := func(what string, times, starts []int64, snaps [][]int) {
		t.Helper()
		hm, ok := h.heatmap("q")
		if !ok || hm == nil {
			t.Fatalf("%s: no heatmap", what)
		}
		if !slices.Equal(hm.times, times) || !slices.Equal(hm.starts, starts) || len(hm.counts) != len(snaps) {
			t.Fatalf("%s: times %v starts %v, %d columns; want %v %v", what, hm.times, hm.starts, len(hm.counts), times, starts)
		}
		for c, row := range hm.counts {
			want := map[int]float64{}
			for _, i := range snaps[c] {
				b := octaveOf(value(i)) - bits.Len64(uint64(hm.bounds[0]))
				want[b] += 10
			}
			for b, n := range row {
				if w := want[b]; n < w/math.Sqrt2-0.5 || n > w*math.Sqrt2+0.5 || (w == 0) != (n == 0) {
					t.Errorf("%s: column %d band %d counts %v, want %v (snapshots %v)", what, c, b, n, w, snaps[c])
				}
			}
		}
	}

	for i := range 5 {
		observe(i, 10*i)
	}
	check("5 snapshots", []int64{ms(20), ms(40)}, []int64{ms(-10), ms(20)}, [][]int{{0, 1, 2}, {3, 4}})
	observe(5, 50) // the history is full: snapshot 0 leaves it, and its column
	check("the first snapshot dropped", []int64{ms(50)}, []int64{ms(20)}, [][]int{{3, 4, 5}})
	observe(6, 60) // its column reuses the bands of the first
	check("two dropped", []int64{ms(50), ms(60)}, []int64{ms(20), ms(50)}, [][]int{{3, 4, 5}, {6}})
	observe(7, 90) // 30 s later: the window drops snapshots 3 and 4, and their column
	check("the window moved", []int64{ms(90)}, []int64{ms(50)}, [][]int{{6, 7}})

	observe(8, 35) // the clock stepped back: a new history, and a new column
	check("restart", []int64{ms(35)}, []int64{ms(25)}, [][]int{{8}})
	observe(9, 45)
	observe(10, 55)
	observe(11, 65)
	check("after the restart", []int64{ms(55), ms(65)}, []int64{ms(25), ms(55)}, [][]int{{8, 9, 10}, {11}})
}
