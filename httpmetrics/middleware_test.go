package httpmetrics_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vitals-go/vitals/httpmetrics"
	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

// usersMux serves a few routes in the Go 1.22 pattern syntax.
func usersMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "user %s", r.PathValue("id"))
	})
	mux.HandleFunc("POST /users", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("/teapot", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})
	mux.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("GET /moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/users/1", http.StatusFound)
	})
	mux.HandleFunc("GET /silent", func(w http.ResponseWriter, r *http.Request) {})
	return mux
}

func TestRoutesMethodsCodes(t *testing.T) {
	m, reg := newMiddleware(t, httpmetrics.Config{})
	srv := serve(t, m.Wrap(usersMux()), nil)
	requests := []struct {
		method, path string
		status       int
	}{
		{"GET", "/users/1", 200}, {"GET", "/users/2", 200}, {"GET", "/users/3", 200},
		{"HEAD", "/users/1", 200}, // GET patterns match HEAD too
		{"POST", "/users", 201}, {"POST", "/users", 201},
		{"PUT", "/users", 405},                                                              // matched no pattern
		{"GET", "/wp-login.php", 404}, {"GET", "/.env", 404}, {"GET", "/admin/../etc", 404}, // redirected to /etc
		{"BREW", "/teapot", 418}, {"DELETE", "/teapot", 418},
		{"GET", "/fail", 503},
		{"GET", "/silent", 200}, // wrote nothing: net/http sends 200
	}
	for _, rq := range requests {
		if status, body := do(t, srv, rq.method, rq.path); status != rq.status {
			t.Fatalf("%s %s: status %d (%s), want %d", rq.method, rq.path, status, body, rq.status)
		}
	}
	noRedirect := *srv.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noRedirect.Get(srv.URL + "/moved")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	srv.Close() // waits for the handlers, hence for the records

	wantCounts(t, reg, map[string]int64{
		"GET|GET /users/{id}|2xx":  3,
		"HEAD|GET /users/{id}|2xx": 1,
		"POST|POST /users|2xx":     2,
		"PUT|unmatched|4xx":        1,
		"GET|unmatched|4xx":        3,
		"GET|unmatched|3xx":        1, // the redirect of /admin/../etc
		"other|/teapot|4xx":        1,
		"DELETE|/teapot|4xx":       1,
		"GET|GET /fail|5xx":        1,
		"GET|GET /silent|2xx":      1,
		"GET|GET /moved|3xx":       1,
	})
}

func TestScannersCreateNoSeries(t *testing.T) {
	m, reg := newMiddleware(t, httpmetrics.Config{})
	h := m.Wrap(usersMux())
	for i := range 1000 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(fmt.Sprintf("X-SCAN-%d", i), fmt.Sprintf("/probe/%d?q=%d", i, i), nil))
		if rec.Code != http.StatusNotFound {
			t.Fatalf("status %d", rec.Code)
		}
	}
	wantCounts(t, reg, map[string]int64{"other|unmatched|4xx": 1000})
}

func TestConnectRedirectIsUnmatched(t *testing.T) {
	m, reg := newMiddleware(t, httpmetrics.Config{})
	mux := http.NewServeMux()
	mux.HandleFunc("/files/{name}/{$}", func(w http.ResponseWriter, r *http.Request) {})
	var pattern string
	h := m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		pattern = r.Pattern
	}))
	for i := range 50 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodConnect, fmt.Sprintf("/files/f%d", i), nil))
		if rec.Code/100 != 3 {
			t.Fatalf("status %d, want a redirect", rec.Code)
		}
	}
	if pattern != "/files/f49/" {
		t.Logf("ServeMux no longer puts the requested path in Pattern (%q); the guard is harmless", pattern)
	}
	wantCounts(t, reg, map[string]int64{"CONNECT|unmatched|3xx": 50})
}

func TestMaxRoutes(t *testing.T) {
	var logs testkit.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	m, reg := newMiddleware(t, httpmetrics.Config{MaxRoutes: 2, Logger: logger})
	mux := http.NewServeMux()
	for _, p := range []string{"/a", "/b", "/c", "/d"} {
		mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
	}
	h := m.Wrap(mux)
	for _, path := range []string{"/a", "/b", "/c", "/d", "/a", "/b", "/c", "/d", "/nope"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	wantCounts(t, reg, map[string]int64{
		"GET|/a|2xx":        2,
		"GET|/b|2xx":        2,
		"GET|other|2xx":     4,
		"GET|unmatched|4xx": 1,
	})
	out := logs.String()
	if strings.Count(out, "route limit reached") != 1 || !strings.Contains(out, "max_routes=2") || !strings.Contains(out, "route=/c") {
		t.Errorf("want one warning naming the limit and the first refused route; log:\n%s", out)
	}
}

func TestMaxRoutesConcurrent(t *testing.T) {
	m, reg := newMiddleware(t, httpmetrics.Config{MaxRoutes: 10, Logger: slog.New(slog.DiscardHandler)})
	mux := http.NewServeMux()
	for i := range 40 {
		mux.HandleFunc(fmt.Sprintf("/r%d", i), func(http.ResponseWriter, *http.Request) {})
	}
	h := m.Wrap(mux)
	const goroutines, perGoroutine = 8, 400
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", fmt.Sprintf("/r%d", (g+i)%40), nil))
			}
		})
	}
	wg.Wait()
	got := counts(t, reg)
	var total int64
	routes := 0
	for k, n := range got {
		total += n
		if k != "GET|other|2xx" {
			routes++
		}
	}
	if total != goroutines*perGoroutine || routes != 10 || got["GET|other|2xx"] == 0 {
		t.Errorf("total %d (want %d), %d routes (want 10), other %d; series %v",
			total, goroutines*perGoroutine, routes, got["GET|other|2xx"], got)
	}
}

// TestPatternThroughMiddleware shows where Wrap must sit: around the mux,
// with handlers that replace the request outside it.
func TestPatternThroughMiddleware(t *testing.T) {
	m, reg := newMiddleware(t, httpmetrics.Config{})
	srv := serve(t, http.StripPrefix("/api", m.Wrap(usersMux())), nil)
	if status, _ := do(t, srv, "GET", "/api/users/7"); status != 200 {
		t.Fatalf("status %d", status)
	}
	srv.Close()
	wantCounts(t, reg, map[string]int64{"GET|GET /users/{id}|2xx": 1})

	m, reg = newMiddleware(t, httpmetrics.Config{})
	srv = serve(t, m.Wrap(http.StripPrefix("/api", usersMux())), nil)
	if status, _ := do(t, srv, "GET", "/api/users/7"); status != 200 {
		t.Fatalf("status %d", status)
	}
	srv.Close()
	wantCounts(t, reg, map[string]int64{"GET|unmatched|2xx": 1}) // StripPrefix copied the request
}

func TestNestedMuxInnermostWins(t *testing.T) {
	m, reg := newMiddleware(t, httpmetrics.Config{})
	outer := http.NewServeMux()
	outer.Handle("/v1/", usersMux()) // the inner mux sees the same request
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/users/{id}", func(http.ResponseWriter, *http.Request) {})
	outer.Handle("/v2/", mux)
	h := m.Wrap(outer)
	for _, path := range []string{"/v1/teapot", "/v2/users/1", "/v2/nothing"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	wantCounts(t, reg, map[string]int64{
		"GET|GET /v2/users/{id}|2xx": 1,
		"GET|unmatched|4xx":          2, // the inner muxes matched nothing, though the outer did
	})
}

func TestPanic(t *testing.T) {
	errPanic := errors.New("boom")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /early", func(w http.ResponseWriter, r *http.Request) { panic(errPanic) })
	mux.HandleFunc("GET /late", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("partial"))
		panic(errPanic)
	})

	t.Run("recorded and passed on", func(t *testing.T) {
		m, reg := newMiddleware(t, httpmetrics.Config{})
		h := m.Wrap(mux)
		for _, path := range []string{"/early", "/late"} {
			func() {
				defer func() {
					if v := recover(); v != errPanic {
						t.Errorf("%s: recovered %v, want the handler's own panic value", path, v)
					}
				}()
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
			}()
		}
		wantCounts(t, reg, map[string]int64{"GET|GET /early|5xx": 1, "GET|GET /late|5xx": 1})
	})

	t.Run("server behaviour unchanged", func(t *testing.T) {
		m, reg := newMiddleware(t, httpmetrics.Config{})
		var errLog testkit.Buffer
		srv := serve(t, m.Wrap(mux), &errLog)
		for _, path := range []string{"/early", "/late"} {
			if status, body := do(t, srv, "GET", path); status != 0 {
				t.Errorf("%s: got a response (%d %q); the server should abort it", path, status, body)
			}
		}
		srv.Close()
		wantCounts(t, reg, map[string]int64{"GET|GET /early|5xx": 1, "GET|GET /late|5xx": 1})
		if n := strings.Count(errLog.String(), "panic serving"); n != 2 {
			t.Errorf("server logged %d panics, want 2:\n%s", n, errLog.String())
		}
		if !strings.Contains(errLog.String(), "middleware_test.go") {
			t.Errorf("the logged stack should show where the handler panicked:\n%s", errLog.String())
		}
	})
}

func TestInformationalStatus(t *testing.T) {
	m, reg := newMiddleware(t, httpmetrics.Config{})
	srv := serve(t, m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusNotFound)
		w.WriteHeader(http.StatusOK) // superfluous: ignored by net/http and by the record
	})), nil)
	if status, _ := do(t, srv, "GET", "/"); status != http.StatusNotFound {
		t.Fatalf("status %d", status)
	}
	srv.Close()
	wantCounts(t, reg, map[string]int64{"GET|unmatched|4xx": 1})
}

func TestConcurrentExactTotals(t *testing.T) {
	m, reg := newMiddleware(t, httpmetrics.Config{})
	srv := serve(t, m.Wrap(usersMux()), nil)
	const goroutines, perGoroutine = 8, 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				path := "/users/" + fmt.Sprint(g*perGoroutine+i)
				if g%2 == 1 {
					path = "/missing/" + fmt.Sprint(i)
				}
				do(t, srv, "GET", path)
			}
		})
	}
	wg.Wait()
	srv.Close()
	wantCounts(t, reg, map[string]int64{
		"GET|GET /users/{id}|2xx": goroutines / 2 * perGoroutine,
		"GET|unmatched|4xx":       goroutines / 2 * perGoroutine,
	})
}

func TestDurationRecorded(t *testing.T) {
	m, reg := newMiddleware(t, httpmetrics.Config{})
	release := make(chan struct{})
	h := m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	start := time.Now()
	close(release)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	elapsed := time.Since(start)
	s := reg.Peek().Series
	if len(s) != 1 || s[0].Unit != "ns" || s[0].Summary.Count != 1 || s[0].Summary.Max <= 0 || s[0].Summary.Max > int64(elapsed) {
		t.Errorf("want one timer with one duration in (0, %v]; got %+v", elapsed, s)
	}
}

func TestNewErrors(t *testing.T) {
	_, err := httpmetrics.New(httpmetrics.Config{Registry: metrics.NewRegistry(), Name: "bad name!", MaxRoutes: -1})
	if err == nil {
		t.Fatal("New accepted an invalid name and a negative MaxRoutes")
	}
	for _, want := range []string{"Name", "bad name!", "MaxRoutes is -1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if !errors.Is(err, metrics.ErrInvalid) {
		t.Errorf("error %q does not wrap metrics.ErrInvalid", err)
	}

	reg := metrics.NewRegistry()
	m, err := httpmetrics.New(httpmetrics.Config{Registry: reg, Name: "admin.http.duration"})
	if err != nil {
		t.Fatal(err)
	}
	if reg.Len() != 0 {
		t.Errorf("New registered %d series; it should register none before a request", reg.Len())
	}
	m.Wrap(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if s := reg.Peek().Series; len(s) != 1 || s[0].Name != "admin.http.duration" {
		t.Errorf("series %+v, want one named admin.http.duration", s)
	}
}

func TestZeroConfigUsesDefault(t *testing.T) {
	m, err := httpmetrics.New(httpmetrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	before := metrics.Default.Timer(httpmetrics.DefaultName, metrics.Tags{"method": "GET", "route": "unmatched", "code": "4xx"}).Count()
	m.Wrap(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	after := metrics.Default.Timer(httpmetrics.DefaultName, metrics.Tags{"method": "GET", "route": "unmatched", "code": "4xx"}).Count()
	if after-before != 1 {
		t.Errorf("metrics.Default recorded %d requests, want 1", after-before)
	}
}
