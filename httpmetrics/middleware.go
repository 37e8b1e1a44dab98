package httpmetrics

import (
	"net/http"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// Middleware records how long requests take, by method, route pattern and
// status class. Make one with New and wrap a ServeMux with Wrap. It is safe
// for concurrent use; several handlers may share one Middleware, and then
// share its route bound.
type Middleware struct {
	timers *metrics.Family[*metrics.Timer] // by method, route, code
	routes *routeSet
}

// Wrap returns a handler that serves each request with next and then
// records its duration in the timer of its method, route and code.
//
// next should be the *http.ServeMux itself, or a handler that passes the
// request it got to the mux unchanged: the route is the Request.Pattern that
// the mux sets on that request. A handler between Wrap and the mux that
// replaces the request (http.StripPrefix, http.TimeoutHandler,
// r.WithContext) hides the pattern, and every request is recorded as
// "unmatched"; put such handlers outside Wrap, or inside the mux's routes.
//
// A handler that panics is recorded with code "5xx", whatever it wrote,
// since the server then aborts the response; the panic goes on unchanged to
// http.Server.
func (m *Middleware) Wrap(next http.Handler) http.Handler {
	return &handler{m: m, next: next}
}

// handler is the http.Handler that Wrap returns.
type handler struct {
	m    *Middleware
	next http.Handler
}

// ServeHTTP serves r with the next handler and records it.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &responseWriter{ResponseWriter: w}
	served := false
	defer func() { // deferred so that a panic is recorded; it does not recover
		code := rw.codeLabel()
		if !served {
			code = codeLabel(http.StatusInternalServerError)
		}
		h.m.timers.With(methodLabel(r.Method), h.m.route(r, rw), code).Update(time.Since(start))
	}()
	h.next.ServeHTTP(rw, r)
	served = true
}

// route returns the route label of a served request.
func (m *Middleware) route(r *http.Request, rw *responseWriter) string {
	// ServeMux answers a CONNECT request for /tree that only /tree/ matches
	// with a redirect whose Pattern is the requested path, not a pattern:
	// never admit it, or clients could fill the route set.
	if r.Method == http.MethodConnect && rw.code >= 300 && rw.code <= 399 {
		return unmatchedRoute
	}
	return m.routes.label(r.Pattern)
}
