package livepage_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/vitals-go/vitals/livepage"
	"github.com/vitals-go/vitals/metrics"
)

// A page fed two snapshots by hand, as a Reporter's OnSnapshot would, and
// its history read back from api/state under the page's mount point.
func Example() {
	page, err := livepage.New(livepage.Config{Window: time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/debug/vitals/", http.StripPrefix("/debug/vitals", page))

	start := time.Date(2026, 1, 2, 15, 4, 0, 0, time.UTC)
	for i, done := range []int64{100, 250} {
		page.Observe(metrics.Snapshot{
			Time: start.Add(time.Duration(i) * 10 * time.Second),
			Series: []metrics.Series{
				{Name: "jobs.done", Tags: []metrics.Tag{{Key: "queue", Value: "base"}}, Kind: metrics.KindCounter, Count: done},
				{Name: "queue.depth", Kind: metrics.KindGauge, Value: float64(7 + i)},
			},
		})
	}

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/vitals/api/state", nil))
	var state struct {
		Seq    int
		Times  []int64
		Series []struct {
			ID    string
			Kind  string
			Lines map[string][]*float64
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &state); err != nil {
		log.Fatal(err)
	}
	fmt.Println("seq", state.Seq, "times", len(state.Times))
	for _, s := range state.Series {
		for line, points := range s.Lines {
			fmt.Print(s.ID, " ", s.Kind, " ", line, ":")
			for _, p := range points {
				if p == nil {
					fmt.Print(" null")
				} else {
					fmt.Print(" ", *p)
				}
			}
			fmt.Println()
		}
	}
	// Output:
	// seq 2 times 2
	// jobs.done{queue=base} counter rate: null 15
	// queue.depth gauge value: 7 8
}
