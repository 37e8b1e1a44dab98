package httpmetrics

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// nopWriter is a ResponseWriter that costs nothing, so that the benchmarks
// measure the middleware alone.
type nopWriter struct{ h http.Header }

func (w nopWriter) Header() http.Header         { return w.h }
func (w nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w nopWriter) WriteHeader(int)             {}

// routed stands for a ServeMux that matched "GET /users/{id}".
var routed = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	r.Pattern = "GET /users/{id}"
	w.WriteHeader(http.StatusOK)
})

func newBenchMiddleware(tb testing.TB) *Middleware {
	m, err := New(Config{Registry: metrics.NewRegistry(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// BenchmarkRecord is the metrics part of a request: labels, series lookup
// and timer update.
func BenchmarkRecord(b *testing.B) {
	m := newBenchMiddleware(b)
	r := httptest.NewRequest("GET", "/users/1", nil)
	r.Pattern = "GET /users/{id}"
	rw := &responseWriter{code: http.StatusOK}
	b.ReportAllocs()
	for b.Loop() {
		m.timers.With(methodLabel(r.Method), m.route(r, rw), rw.codeLabel()).Update(time.Microsecond)
	}
}

// BenchmarkWrap is a whole request through the middleware, clock reads
// included, around a handler that does nothing but set the pattern.
func BenchmarkWrap(b *testing.B) {
	h := newBenchMiddleware(b).Wrap(routed)
	w := nopWriter{h: http.Header{}}
	r := httptest.NewRequest("GET", "/users/1", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

func BenchmarkWrapParallel(b *testing.B) {
	h := newBenchMiddleware(b).Wrap(routed)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := nopWriter{h: http.Header{}}
		r := httptest.NewRequest("GET", "/users/1", nil)
		for pb.Next() {
			h.ServeHTTP(w, r)
		}
	})
}

// BenchmarkServeMux is a real ServeMux, bare and wrapped, for scale.
func BenchmarkServeMux(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"bare", mux}, {"wrapped", newBenchMiddleware(b).Wrap(mux)}} {
		b.Run(bc.name, func(b *testing.B) {
			w := nopWriter{h: http.Header{}}
			r := httptest.NewRequest("GET", "/users/1", nil)
			b.ReportAllocs()
			for b.Loop() {
				bc.h.ServeHTTP(w, r)
			}
		})
	}
}

// TestAllocations guards the figures the package documents: no allocation
// to record a request, one for the whole middleware (its ResponseWriter).
func TestAllocations(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation allocates")
	}
	m := newBenchMiddleware(t)
	r := httptest.NewRequest("GET", "/users/1", nil)
	r.Pattern = "GET /users/{id}"
	rw := &responseWriter{code: http.StatusOK}
	record := func() {
		m.timers.With(methodLabel(r.Method), m.route(r, rw), rw.codeLabel()).Update(time.Microsecond)
	}
	record() // registers the series
	if n := testing.AllocsPerRun(1000, record); n != 0 {
		t.Errorf("recording a request allocates %v times, want 0", n)
	}

	h := m.Wrap(routed)
	w := nopWriter{h: http.Header{}}
	if n := testing.AllocsPerRun(1000, func() { h.ServeHTTP(w, r) }); n != 1 {
		t.Errorf("a request through the middleware allocates %v times, want 1 (the ResponseWriter)", n)
	}
}
