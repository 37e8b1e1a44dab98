package livepage

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestHeatmap checks api/heatmap for a timer, and its errors.
func TestHeatmap(t *testing.T) {
	s := newSnapper(t)
	timer, gauge := s.reg.Timer("query.latency", nil), s.reg.Gauge("g", nil)
	gauge.Update(1)
	p := newPage(t, Config{})
	p.Observe(s.at(t0)) // the timer has no values yet
	for range 90 {
		timer.Update(time.Millisecond)
	}
	for range 10 {
		timer.Update(100 * time.Millisecond)
	}
	p.Observe(s.at(t0.Add(10 * time.Second)))
	p.Observe(metrics0(t0.Add(20 * time.Second))) // without the timer

	w := serve(t, p, "/api/heatmap?id="+url.QueryEscape("query.latency"))
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("api/heatmap: %d %s", w.Code, w.Body)
	}
	var hm struct {
		ID     string      `json:"id"`
		Times  []int64     `json:"times"`
		Bounds []float64   `json:"bounds"`
		Counts [][]float64 `json:"counts"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &hm); err != nil {
		t.Fatal(err)
	}
	if hm.ID != "query.latency" || len(hm.Times) != 3 || len(hm.Bounds) != bandCount || len(hm.Counts) != 3 {
		t.Fatalf("heatmap: %+v", hm)
	}
	if hm.Counts[0] == nil || hm.Counts[2] != nil || len(hm.Counts[1]) != bandCount {
		t.Errorf("counts %v: want zeros for the interval without values, a row of %d bands, then null", hm.Counts, bandCount)
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
