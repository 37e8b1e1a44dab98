package healthcheck_test

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vitals-go/vitals/healthcheck"
)

func TestHandler(t *testing.T) {
	for _, tc := range []struct {
		worst healthcheck.Status
		code  int
	}{
		{healthcheck.Good, http.StatusOK},
		{healthcheck.Warn, http.StatusOK},
		{healthcheck.Critical, http.StatusServiceUnavailable},
	} {
		t.Run(tc.worst.String(), func(t *testing.T) {
			h := newHealth(t, healthcheck.Config{Service: "alerts", Release: "v42"})
			h.Register("In Q", fixed(healthcheck.Result{Value: "0"}, nil))
			h.Register("Worst", fixed(healthcheck.Result{Status: tc.worst, Value: "x\ny"}, nil))
			handler := h.Handler()

			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
			if rec.Code != tc.code {
				t.Errorf("GET: status %d, want %d", rec.Code, tc.code)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}

			// The shape: exactly these keys, and a body that decodes back.
			var shape map[string]json.RawMessage
			if err := json.Unmarshal(rec.Body.Bytes(), &shape); err != nil {
				t.Fatalf("body is not a JSON object: %v\n%s", err, rec.Body)
			}
			keys := slices.Sorted(maps.Keys(shape))
			if want := []string{"checks", "header", "pid", "status", "time", "uptime_ns"}; !slices.Equal(keys, want) {
				t.Errorf("keys %v, want %v", keys, want)
			}
			var r healthcheck.Report
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			want := []healthcheck.CheckResult{
				{Name: "In Q", Status: healthcheck.Good, Value: "0"},
				{Name: "Worst", Status: tc.worst, Value: "x y"},
			}
			if r.Status != tc.worst || !strings.HasPrefix(r.Header, "alerts: v42 ") || r.PID != os.Getpid() ||
				r.Time.IsZero() || r.Uptime <= 0 || !equalChecks(r.Checks, want) {
				t.Errorf("decoded report %+v", r)
			}

			rec = httptest.NewRecorder()
			handler.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/healthz", nil))
			if rec.Code != tc.code || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") == "" {
				t.Errorf("HEAD: status %d, %d body bytes, Content-Length %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Length"))
			}
		})
	}
}

func TestHandlerMethods(t *testing.T) {
	h := newHealth(t, healthcheck.Config{})
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions} {
		rec := httptest.NewRecorder()
		h.Handler().ServeHTTP(rec, httptest.NewRequest(method, "/healthz", strings.NewReader("{}")))
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: status %d, Allow %q", method, rec.Code, rec.Header().Get("Allow"))
		}
	}
}

// TestHandlerOverHTTP mounts the handler on a mux and a real server, as a
// service would.
func TestHandlerOverHTTP(t *testing.T) {
	h := newHealth(t, healthcheck.Config{})
	h.Register("db", fixed(healthcheck.Result{Status: healthcheck.Critical, Value: "down"}, nil))
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", h.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var r healthcheck.Report
	if resp.StatusCode != http.StatusServiceUnavailable || json.Unmarshal(body, &r) != nil || r.Checks[0].Value != "down" {
		t.Errorf("status %d, body %s", resp.StatusCode, body)
	}
}
