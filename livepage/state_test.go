package livepage

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/healthcheck"
	"github.com/vitals-go/vitals/metrics"
)

func newPage(t testing.TB, cfg Config) *Page {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestStateValues checks the lines of every kind over two snapshots.
func TestStateValues(t *testing.T) {
	s := newSnapper(t)
	reg := s.reg
	tags := metrics.Tags{"route": "/x", "status": "200"}
	counter, gauge, float := reg.Counter("http.requests", tags), reg.Gauge("queue.depth", nil), reg.GaugeFloat64("load", nil)
	meter, hist, timer := reg.Meter("flows", nil), reg.Histogram("batch.size", nil), reg.Timer("query.latency", metrics.Tags{"stage": "plan"})
	p := newPage(t, Config{})

	counter.Inc(10)
	gauge.Update(5)
	float.Update(2.5)
	meter.Mark(10)
	for range 100 {
		hist.Update(100)
		timer.Update(time.Millisecond)
	}
	p.Observe(s.at(t0))
	counter.Inc(50)
	gauge.Update(7)
	float.Update(-0.125)
	meter.Mark(20)
	for i := range 200 {
		hist.Update(int64(1 + i%100)) // 1..100, twice
		timer.Update(2 * time.Millisecond)
	}
	p.Observe(s.at(t0.Add(10 * time.Second)))

	st := getState(t, p, "")
	if st.Seq != 2 || !st.Full || st.IntervalMS != 10_000 || st.WindowMS != 3_600_000 || st.DroppedSeries != 0 {
		t.Errorf("state header: seq %d full %v interval %d window %d dropped %d", st.Seq, st.Full, st.IntervalMS, st.WindowMS, st.DroppedSeries)
	}
	if want := []int64{t0.UnixMilli(), t0.UnixMilli() + 10_000}; !equalInts(st.Times, want) {
		t.Errorf("times %v, want %v", st.Times, want)
	}
	if st.Health.Status != "UNKNOWN" || st.Health.Text != "" || st.Exporters == nil || len(st.Exporters) != 0 {
		t.Errorf("without Health and Exporters: health %+v, exporters %#v", st.Health, st.Exporters)
	}
	ids := []string{}
	for _, s := range st.Series {
		ids = append(ids, s.ID+" "+s.Kind+" "+s.Unit)
	}
	wantIDs := []string{"batch.size histogram ", "flows meter ", "http.requests{route=/x,status=200} counter ",
		"load gauge_float64 ", "query.latency{stage=plan} timer ns", "queue.depth gauge "}
	if strings.Join(ids, "|") != strings.Join(wantIDs, "|") {
		t.Errorf("series, sorted by id:\n%s\nwant\n%s", strings.Join(ids, "\n"), strings.Join(wantIDs, "\n"))
	}
	if s := st.Series[2]; s.Name != "http.requests" || len(s.Tags) != 2 || s.Tags["route"] != "/x" || s.Tags["status"] != "200" {
		t.Errorf("counter's name and tags: %q %v", s.Name, s.Tags)
	}

	check := func(id, line string, want ...any) {
		t.Helper()
		got := st.line(t, id, line)
		if len(got) != len(want) {
			t.Fatalf("%s %s: %d points, want %d", id, line, len(got), len(want))
		}
		for i, w := range want {
			switch w := w.(type) {
			case nil:
				if got[i] != nil {
					t.Errorf("%s %s[%d] = %v, want null", id, line, i, *got[i])
				}
			case float64:
				if got[i] == nil || !near(*got[i], w, 0.011) {
					t.Errorf("%s %s[%d] = %v, want %v", id, line, i, deref(got[i]), w)
				}
			}
		}
	}
	check("http.requests{route=/x,status=200}", "rate", nil, 5.0) // 50 in 10 s
	check("flows", "rate", nil, 2.0)
	check("queue.depth", "value", 5.0, 7.0)
	check("load", "value", 2.5, -0.125)
	check("query.latency{stage=plan}", "p50", 1e6, 2e6)
	check("query.latency{stage=plan}", "p99", 1e6, 2e6)
	check("query.latency{stage=plan}", "rate", nil, 20.0) // the first interval's start is unknown
	check("batch.size", "p50", 100.0, 50.0)
	check("batch.size", "p99", 100.0, 99.0)
	check("batch.size", "rate", nil, 20.0)
	if v := *st.line(t, "http.requests{route=/x,status=200}", "rate")[1]; v != 5 {
		t.Errorf("a counter's rate is exact: %v, want 5", v)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestStateSince checks that since= limits the State to later snapshots.
func TestStateSince(t *testing.T) {
	s := newSnapper(t)
	g := s.reg.Gauge("g", nil)
	p := newPage(t, Config{})
	for i := range 3 {
		g.Update(int64(i))
		p.Observe(s.at(t0.Add(time.Duration(i) * 10 * time.Second)))
	}
	st := getState(t, p, "?since=1")
	if st.Seq != 3 || st.Full || len(st.Times) != 2 || st.Times[0] != t0.UnixMilli()+10_000 {
		t.Errorf("since=1: seq %d full %v times %v", st.Seq, st.Full, st.Times)
	}
	if v := st.line(t, "g", "value"); len(v) != 2 || *v[0] != 1 || *v[1] != 2 {
		t.Errorf("since=1: values %v", v)
	}
	if st := getState(t, p, "?since=3"); st.Seq != 3 || st.Full || len(st.Times) != 0 || len(st.Series) != 0 {
		t.Errorf("since=3 (nothing new): seq %d full %v times %v series %d", st.Seq, st.Full, st.Times, len(st.Series))
	}
	if st := getState(t, p, "?since=0"); st.Full || len(st.Times) != 3 {
		t.Errorf("since=0: full %v times %v", st.Full, st.Times)
	}
	// A page of a previous run of the process asks for later snapshots
	// than there are: it gets the whole history, marked full.
	if st := getState(t, p, "?since=99"); !st.Full || len(st.Times) != 3 || st.Seq != 3 {
		t.Errorf("since=99: full %v times %v seq %d", st.Full, st.Times, st.Seq)
	}
	for _, q := range []string{"?since=", "?since=-1", "?since=x", "?since=1.5", "?since=99999999999999999999999"} {
		w := serve(t, p, "/api/state"+q)
		var e struct{ Error string }
		if w.Code != http.StatusBadRequest || json.Unmarshal(w.Body.Bytes(), &e) != nil || !strings.Contains(e.Error, "since") {
			t.Errorf("api/state%s: %d %s, want 400 with a JSON error about since", q, w.Code, w.Body)
		}
	}
}

// TestStateEmpty checks the State of a page before its first snapshot.
func TestStateEmpty(t *testing.T) {
	st := getState(t, newPage(t, Config{}), "")
	if st.Seq != 0 || !st.Full || st.Times == nil || len(st.Times) != 0 || st.Series == nil || len(st.Series) != 0 {
		t.Errorf("empty state: %+v", st)
	}
}

// TestStateHealthAndExporters checks that the State carries the health
// report and the exporters' state from Config's functions.
func TestStateHealthAndExporters(t *testing.T) {
	h, err := healthcheck.New(healthcheck.Config{Service: "alerts", Release: "v42"})
	if err != nil {
		t.Fatal(err)
	}
	h.Register("In Q", func(context.Context) healthcheck.Result {
		return healthcheck.Result{Status: healthcheck.Warn, Value: "812 (warn > 500) <b>"}
	})
	success := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	p := newPage(t, Config{
		Health: h.Report,
		Exporters: func() []exporters.ExporterHealth {
			return []exporters.ExporterHealth{{Name: "postgres", Queued: 2, Exported: 300, Rejected: 1, Dropped: 4, Retries: 5,
				LastError: "connection refused\n", LastErrorAt: success.Add(time.Second), LastSuccess: success}}
		},
	})
	st := getState(t, p, "")
	if st.Health.Status != "WARN" || !strings.HasPrefix(st.Health.Text, "alerts: v42 ") ||
		!strings.Contains(st.Health.Text, "\nWARN In Q: 812 (warn > 500) <b>\n") {
		t.Errorf("health: %+v", st.Health)
	}
	if len(st.Exporters) != 1 {
		t.Fatalf("exporters: %+v", st.Exporters)
	}
	e := st.Exporters[0]
	if e.Name != "postgres" || e.Queued != 2 || e.Exported != 300 || e.Rejected != 1 || e.Dropped != 4 || e.Retries != 5 ||
		e.LastError != "connection refused\n" || e.LastErrorAt != success.UnixMilli()+1000 || e.LastSuccess != success.UnixMilli() {
		t.Errorf("exporter: %+v", e)
	}
	w := serve(t, p, "/api/state")
	if strings.Contains(w.Body.String(), "<b>") {
		t.Errorf("the JSON carries markup unescaped: %s", w.Body)
	}
}

// TestStateReadsChangeNothing checks that reading the history, whole or
// in part, leaves it as it was: a page read after every snapshot and one
// never read until the end give the same State.
func TestStateReadsChangeNothing(t *testing.T) {
	snaps := mixSnapshots(t, 60, 12, false)
	read, unread := newPage(t, Config{Window: time.Minute}), newPage(t, Config{Window: time.Minute})
	unread.hist.epoch = read.hist.epoch // the one thing that differs by design
	for i := range snaps {
		read.Observe(snaps[i])
		unread.Observe(snaps[i])
		getState(t, read, "?since="+strconv.Itoa(i))
		getState(t, read, "")
		serve(t, read, "/api/heatmap?id="+url.QueryEscape("stage.latency{queue=queue-0,stage=wait}"))
	}
	a, b := serve(t, read, "/api/state").Body.String(), serve(t, unread, "/api/state").Body.String()
	if a != b {
		t.Errorf("a page read after every snapshot shows\n%.500s\nand one never read\n%.500s", a, b)
	}
	if !strings.Contains(a, `"kind":"timer"`) || !strings.Contains(a, `"kind":"counter"`) {
		t.Errorf("the mix lacks timers or counters: %.300s", a)
	}
}

// TestStateFirstDistributionRate checks that a histogram's or timer's
// first interval, which began when it was registered, has no rate, also
// for a series that appears after the first snapshot and in updates.
func TestStateFirstDistributionRate(t *testing.T) {
	s := newSnapper(t)
	p := newPage(t, Config{})
	p.Observe(s.at(t0))
	timer := s.reg.Timer("t", nil)
	for i := 1; i <= 3; i++ {
		for range 10 * i {
			timer.Update(time.Millisecond)
		}
		p.Observe(s.at(t0.Add(time.Duration(i) * 10 * time.Second)))
	}
	if got := derefAll(getState(t, p, "").line(t, "t", "rate")); fmt.Sprint(got) != "[<nil> <nil> 2 3]" {
		t.Errorf("rates %v; want null (no timer yet), null (its first), then 20 and 30 in 10 s", got)
	}
	if got := derefAll(getState(t, p, "?since=1").line(t, "t", "rate")); fmt.Sprint(got) != "[<nil> 2 3]" {
		t.Errorf("since=1: rates %v; want null, 2, 3", got)
	}
	if got := derefAll(getState(t, p, "?since=2").line(t, "t", "rate")); fmt.Sprint(got) != "[2 3]" {
		t.Errorf("since=2: rates %v; want 2, 3", got)
	}
}

// TestStateEpoch checks that a page of another history (a previous run of
// the process, whose seq may be lower or higher) gets the whole history,
// by api/state and by api/events, and that the epoch is the same in every
// State of one history.
func TestStateEpoch(t *testing.T) {
	old, restarted := newPage(t, Config{}), newPage(t, Config{})
	for i := range 3 {
		old.Observe(gaugeSnap(t0.Add(time.Duration(i)*10*time.Second), 1, "g"))
	}
	for i := range 5 {
		restarted.Observe(gaugeSnap(t0.Add(time.Minute+time.Duration(i)*10*time.Second), 2, "g"))
	}
	a, b := getState(t, old, ""), getState(t, restarted, "")
	if a.Epoch == 0 || a.Epoch == b.Epoch || a.Epoch >= 1<<53+1 || b.Epoch >= 1<<53+1 {
		t.Fatalf("epochs %d and %d: want two different numbers in [1, 2^53]", a.Epoch, b.Epoch)
	}
	if st := getState(t, old, "?since=2"); st.Epoch != a.Epoch {
		t.Errorf("an update's epoch %d, the history's %d", st.Epoch, a.Epoch)
	}
	own := fmt.Sprintf("?since=3&epoch=%d", b.Epoch)
	if st := getState(t, restarted, own); st.Full || len(st.Times) != 2 {
		t.Errorf("%s of its own history: full %v, times %v; want the 2 snapshots after 3", own, st.Full, st.Times)
	}
	q := fmt.Sprintf("?since=%d&epoch=%d", a.Seq, a.Epoch)
	if st := getState(t, restarted, q); !st.Full || len(st.Times) != 5 || st.Epoch != b.Epoch {
		t.Errorf("%s of the old history: full %v, times %v, epoch %d; want the whole new history", q, st.Full, st.Times, st.Epoch)
	}
	for _, q := range []string{"?since=1&epoch=x", "?since=1&epoch=-1", "?since=1&epoch="} {
		w := serve(t, restarted, "/api/state"+q)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "epoch") {
			t.Errorf("api/state%s: %d %s, want 400 about epoch", q, w.Code, w.Body)
		}
	}

	srv := httptest.NewServer(restarted)
	t.Cleanup(srv.Close)
	c := newClient(t)
	// The same seq in another epoch is another history too.
	for _, q := range []string{q, fmt.Sprintf("?since=%d&epoch=%d", b.Seq, a.Epoch)} {
		e := openEvents(t, c, srv.URL+"/api/events"+q)
		if _, data := e.next(t); !decodeState(t, strings.NewReader(data)).Full {
			t.Errorf("api/events%s: the first update is %.200s; want the whole new history", q, data)
		}
		e.resp.Body.Close()
	}
}
