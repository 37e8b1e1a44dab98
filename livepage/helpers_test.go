package livepage

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// t0 is the time of the first snapshot of the tests: a multiple of 10 s.
var t0 = time.Date(2026, 1, 2, 15, 4, 0, 0, time.UTC)

// snapper takes the snapshots of a registry at chosen times.
type snapper struct {
	reg    *metrics.Registry
	reader *metrics.IntervalReader
}

func newSnapper(t testing.TB) *snapper {
	reg := metrics.NewRegistry(metrics.WithMaxSeries(100_000))
	ir, err := reg.NewIntervalReader()
	if err != nil {
		t.Fatal(err)
	}
	return &snapper{reg: reg, reader: ir}
}

// at ends the registry's interval and returns its snapshot, dated at.
func (s *snapper) at(at time.Time) metrics.Snapshot {
	snap := s.reader.EndInterval()
	snap.Time = at
	return snap
}

// state is a decoded State.
type state struct {
	Seq        uint64  `json:"seq"`
	Epoch      uint64  `json:"epoch"`
	Full       bool    `json:"full"`
	IntervalMS int64   `json:"interval_ms"`
	WindowMS   int64   `json:"window_ms"`
	Times      []int64 `json:"times"`
	Series     []struct {
		ID    string                `json:"id"`
		Name  string                `json:"name"`
		Tags  map[string]string     `json:"tags"`
		Kind  string                `json:"kind"`
		Unit  string                `json:"unit"`
		Lines map[string][]*float64 `json:"lines"`
	} `json:"series"`
	Health struct {
		Status string `json:"status"`
		Text   string `json:"text"`
	} `json:"health"`
	Exporters []struct {
		Name        string `json:"name"`
		Queued      int    `json:"queued"`
		Exported    int64  `json:"exported"`
		Rejected    int64  `json:"rejected"`
		Dropped     int64  `json:"dropped"`
		Retries     int64  `json:"retries"`
		LastError   string `json:"last_error"`
		LastErrorAt int64  `json:"last_error_at"`
		LastSuccess int64  `json:"last_success"`
	} `json:"exporters"`
	DroppedSeries int `json:"dropped_series"`
}

// line returns the line of the series id, failing the test without one.
func (st *state) line(t *testing.T, id, line string) []*float64 {
	t.Helper()
	for _, s := range st.Series {
		if s.ID == id {
			l, ok := s.Lines[line]
			if !ok {
				t.Fatalf("series %s has no line %q: %v", id, line, s.Lines)
			}
			return l
		}
	}
	t.Fatalf("no series %s in the state", id)
	return nil
}

// serve runs the handler for one request and returns the recorded
// response.
func serve(t testing.TB, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	return w
}

// getState fetches and decodes api/state with the query q.
func getState(t *testing.T, h http.Handler, q string) *state {
	t.Helper()
	w := serve(t, h, "/api/state"+q)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("api/state%s: %d %s %s", q, w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	return decodeState(t, w.Body)
}

func decodeState(t *testing.T, r io.Reader) *state {
	t.Helper()
	var st state
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		t.Fatalf("decoding a State: %v", err)
	}
	return &st
}

// near reports whether got is within rel (relative) of want.
func near(got, want, rel float64) bool {
	if want == 0 {
		return got == 0
	}
	d := (got - want) / want
	return d <= rel && d >= -rel
}

// fillMix registers n series in the proportions of examples/service: per
// queue, two timers (wait and process), a histogram (batch size), a meter,
// a gauge (depth) and a counter (errors); with timersOnly, n timers.
func fillMix(reg *metrics.Registry, n int, timersOnly bool) (record func(rng *rand.Rand)) {
	var fns []func(*rand.Rand)
	for q := 0; len(fns) < n; q++ {
		queue := "queue-" + strconv.Itoa(q)
		timer := func(stage string, mean float64) func(*rand.Rand) {
			t := reg.Timer("stage.latency", metrics.Tags{"queue": queue, "stage": stage})
			return func(rng *rand.Rand) {
				for range 50 + rng.IntN(50) { // 5-10/s at 10 s
					t.Update(time.Duration(rng.ExpFloat64() * mean))
				}
			}
		}
		if timersOnly {
			fns = append(fns, timer("process-"+strconv.Itoa(q), float64(20*time.Millisecond)))
			continue
		}
		tags := metrics.Tags{"queue": queue}
		depth, flows, batch, errs := reg.Gauge("queue.depth", tags), reg.Meter("flows", tags),
			reg.Histogram("batch.size", tags), reg.Counter("errors", tags)
		fns = append(fns,
			timer("wait", float64(5*time.Millisecond)),
			timer("process", float64(20*time.Millisecond)),
			func(rng *rand.Rand) {
				for range 5 + rng.IntN(5) {
					batch.Update(1 + rng.Int64N(20))
				}
			},
			func(rng *rand.Rand) { flows.Mark(50 + rng.Int64N(50)) },
			func(rng *rand.Rand) { depth.Update(rng.Int64N(1000)) },
			func(rng *rand.Rand) { errs.Inc(rng.Int64N(2)) },
		)
	}
	fns = fns[:n]
	return func(rng *rand.Rand) {
		for _, f := range fns {
			f(rng)
		}
	}
}

// mixSnapshots returns count snapshots of n series (see fillMix), 10 s
// apart from t0.
func mixSnapshots(t testing.TB, n, count int, timersOnly bool) []metrics.Snapshot {
	s := newSnapper(t)
	record := fillMix(s.reg, n, timersOnly)
	rng := rand.New(rand.NewPCG(1, 2))
	snaps := make([]metrics.Snapshot, count)
	for i := range snaps {
		record(rng)
		snaps[i] = s.at(t0.Add(time.Duration(i) * 10 * time.Second))
	}
	return snaps
}

// metrics0 returns an empty snapshot at t.
func metrics0(t time.Time) metrics.Snapshot { return metrics.Snapshot{Time: t} }

// newestSeq returns the number of p's newest snapshot.
func newestSeq(p *Page) uint64 {
	seq, _ := p.hist.newest()
	return seq
}
