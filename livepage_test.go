package vitals_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals"
	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

// liveState is the part of the live page's State these tests read.
type liveState struct {
	Seq      uint64  `json:"seq"`
	WindowMS int64   `json:"window_ms"`
	Times    []int64 `json:"times"`
	Series   []struct {
		ID    string                `json:"id"`
		Lines map[string][]*float64 `json:"lines"`
	} `json:"series"`
	Health struct {
		Status string `json:"status"`
		Text   string `json:"text"`
	} `json:"health"`
	Exporters []struct {
		Name     string `json:"name"`
		Exported int64  `json:"exported"`
	} `json:"exporters"`
}

// last returns the newest value of the line of the series id, or false.
func (st *liveState) last(id, line string) (float64, bool) {
	for _, s := range st.Series {
		if l := s.Lines[line]; s.ID == id && len(l) > 0 && l[len(l)-1] != nil {
			return *l[len(l)-1], true
		}
	}
	return 0, false
}

func liveGet(t *testing.T, url string) *liveState {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st liveState
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return &st
}

// TestLivePage starts vitals with a short interval and reads the live page
// on the pprof server: the history, the health report, the exporters, a
// live update, and the end of the stream at Shutdown.
func TestLivePage(t *testing.T) {
	clearEnv(t)
	reg := metrics.NewRegistry()
	inst, err := vitals.Start(context.Background(), vitals.Config{
		Service: "alerts", Release: "v42", Registry: reg, Console: io.Discard, Logger: slog.New(slog.DiscardHandler),
		HealthAddr: "127.0.0.1:0", PprofAddr: "127.0.0.1:0", FlushInterval: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	shut := false
	t.Cleanup(func() {
		if !shut {
			inst.Shutdown(context.Background())
		}
	})
	depth := reg.Gauge("queue.depth", metrics.Tags{"queue": "in"})
	depth.Update(42)
	base := "http://" + inst.PprofAddr() + "/debug/vitals/"

	var st *liveState
	testkit.Poll(t, 20*time.Second, "the live page to show the gauge and the console's exports", func() bool {
		st = liveGet(t, base+"api/state")
		v, ok := st.last("queue.depth{queue=in}", "value")
		return ok && v == 42 && len(st.Exporters) == 1 && st.Exporters[0].Exported > 0 && len(st.Times) >= 2
	})
	// An hour at 20 ms would be 180,000 snapshots: the history holds 720.
	if st.Exporters[0].Name != "console" || st.WindowMS != 720*20 {
		t.Errorf("state: exporters %+v, window %d, %d times", st.Exporters, st.WindowMS, len(st.Times))
	}
	if st.Health.Status != "GOOD" || !strings.HasPrefix(st.Health.Text, "alerts: v42") || !strings.Contains(st.Health.Text, "live page: "+base) {
		t.Errorf("health %q:\n%s", st.Health.Status, st.Health.Text)
	}
	if report := healthReport(t, inst.HealthAddr()); !strings.Contains(report, "GOOD live page: "+base+"\n") {
		t.Errorf("the health report does not say where the live page is:\n%s", report)
	}
	resp, err := http.Get(base)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") ||
		!strings.Contains(string(page), "static/app.js") {
		t.Errorf("the page: %s, CSP %q", resp.Status, resp.Header.Get("Content-Security-Policy"))
	}

	// A value set in the service comes in a live update.
	resp, err = http.Get(base + "api/events?since=" + strconv.FormatUint(st.Seq, 10))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := bufio.NewReader(resp.Body)
	depth.Update(43)
	for found := false; !found; {
		line, err := events.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the stream: %v", err)
		}
		var u liveState
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			if err := json.Unmarshal([]byte(data), &u); err != nil {
				t.Fatalf("an update: %v", err)
			}
			v, ok := u.last("queue.depth{queue=in}", "value")
			found = ok && v == 43
		}
	}

	// Shutdown ends the stream rather than wait for it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	shut = true
	if err := inst.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown with a live page open: %v", err)
	}
	if _, err := io.Copy(io.Discard, events); err != nil {
		t.Errorf("the stream did not end cleanly at Shutdown: %v", err)
	}
}

// TestLivePageToken: with a pprof token, the live page needs it too.
func TestLivePageToken(t *testing.T) {
	clearEnv(t)
	inst := startVitals(t, vitals.Config{HealthAddr: vitals.Off, PprofAddr: "127.0.0.1:0", PprofToken: "s3cret"})
	for _, p := range []string{"/debug/vitals/", "/debug/vitals/api/state", "/debug/vitals/api/events", "/debug/vitals/static/app.js"} {
		if r := httpGet(t, "http://"+inst.PprofAddr()+p, ""); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without the token: %s, want 401", p, r.Status)
		}
		if p == "/debug/vitals/api/events" {
			continue // a stream: httpGet would read it to its end
		}
		if r := httpGet(t, "http://"+inst.PprofAddr()+p, "Bearer s3cret"); r.StatusCode != http.StatusOK {
			t.Errorf("GET %s with the token: %s, want 200", p, r.Status)
		}
	}
}

// TestLiveWindow: VITALS_LIVE_WINDOW and Config.LiveWindow set the live
// page's window; a bad one is an error naming it.
func TestLiveWindow(t *testing.T) {
	clearEnv(t)
	t.Setenv("VITALS_LIVE_WINDOW", "30m")
	inst := startVitals(t, vitals.Config{HealthAddr: vitals.Off, PprofAddr: "127.0.0.1:0", FlushInterval: time.Minute})
	if st := liveGet(t, "http://"+inst.PprofAddr()+"/debug/vitals/api/state"); st.WindowMS != 30*60*1000 {
		t.Errorf("VITALS_LIVE_WINDOW=30m: window_ms %d", st.WindowMS)
	}
	inst = startVitals(t, vitals.Config{HealthAddr: vitals.Off, PprofAddr: "127.0.0.1:0", LiveWindow: 2 * time.Hour, FlushInterval: time.Minute})
	if st := liveGet(t, "http://"+inst.PprofAddr()+"/debug/vitals/api/state"); st.WindowMS != 2*3600*1000 {
		t.Errorf("Config.LiveWindow 2h: window_ms %d", st.WindowMS)
	}
	inst = startVitals(t, vitals.Config{HealthAddr: vitals.Off, PprofAddr: "127.0.0.1:0", LiveWindow: 10 * time.Second, FlushInterval: time.Minute})
	if st := liveGet(t, "http://"+inst.PprofAddr()+"/debug/vitals/api/state"); st.WindowMS != 2*60*1000 {
		t.Errorf("Config.LiveWindow 10s at a 1-minute interval: window_ms %d, want two intervals", st.WindowMS)
	}

	for env, want := range map[string]string{"soon": "VITALS_LIVE_WINDOW", "-1m": "VITALS_LIVE_WINDOW"} {
		t.Setenv("VITALS_LIVE_WINDOW", env)
		_, err := vitals.Start(context.Background(), vitals.Config{Service: "s", HealthAddr: vitals.Off, PprofAddr: "127.0.0.1:0",
			Registry: metrics.NewRegistry(), Console: io.Discard, Logger: slog.New(slog.DiscardHandler)})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("VITALS_LIVE_WINDOW=%s: %v, want an error naming %s", env, err, want)
		}
	}
	t.Setenv("VITALS_LIVE_WINDOW", "")
	_, err := vitals.Start(context.Background(), vitals.Config{Service: "s", HealthAddr: vitals.Off, PprofAddr: "127.0.0.1:0",
		LiveWindow: -time.Minute, Registry: metrics.NewRegistry(), Console: io.Discard, Logger: slog.New(slog.DiscardHandler)})
	if err == nil || !strings.Contains(err.Error(), "Config.LiveWindow") {
		t.Errorf("Config.LiveWindow -1m: %v", err)
	}
}
