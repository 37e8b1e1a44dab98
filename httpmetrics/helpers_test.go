package httpmetrics_test

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vitals-go/vitals/httpmetrics"
	"github.com/vitals-go/vitals/metrics"
)

// newMiddleware returns a Middleware recording into a fresh registry.
func newMiddleware(t *testing.T, cfg httpmetrics.Config) (*httpmetrics.Middleware, *metrics.Registry) {
	t.Helper()
	if cfg.Registry == nil {
		cfg.Registry = metrics.NewRegistry()
	}
	m, err := httpmetrics.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m, cfg.Registry
}

// counts returns the count of every timer of reg, keyed "method|route|code".
func counts(t *testing.T, reg *metrics.Registry) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, s := range reg.Peek().Series {
		if s.Kind != metrics.KindTimer || s.Name != httpmetrics.DefaultName {
			t.Errorf("unexpected series %s %v (%v)", s.Name, s.Tags, s.Kind)
			continue
		}
		tags := map[string]string{}
		for _, tag := range s.Tags {
			tags[tag.Key] = tag.Value
		}
		if len(tags) != 3 {
			t.Errorf("series %s has tags %v; want method, route and code", s.Name, s.Tags)
		}
		out[tags["method"]+"|"+tags["route"]+"|"+tags["code"]] += s.Count
	}
	return out
}

// wantCounts fails the test unless reg's timers have exactly these counts.
func wantCounts(t *testing.T, reg *metrics.Registry, want map[string]int64) {
	t.Helper()
	got := counts(t, reg)
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: count %d, want %d", k, got[k], n)
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected series %s (count %d)", k, n)
		}
	}
}

// serve starts a real HTTP server for h whose error log goes to errLog (or
// nowhere), closed at the end of the test.
func serve(t *testing.T, h http.Handler, errLog io.Writer) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	if errLog == nil {
		errLog = io.Discard
	}
	srv.Config.ErrorLog = log.New(errLog, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// do sends a request and returns the response's status and body; a failed
// request returns status 0 and the error's text.
func do(t *testing.T, srv *httptest.Server, method, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b.String()
}
