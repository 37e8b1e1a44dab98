package pprofserver

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Limits on what a request may ask for.
const (
	// MaxSeconds is the longest CPU profile or execution trace a request may
	// ask for with ?seconds=N; longer requests get 400.
	MaxSeconds = 300

	defaultProfileSeconds = 30 // CPU profile, as net/http/pprof
	defaultTraceSeconds   = 1  // execution trace, as net/http/pprof

	maxSymbolBody    = 4 << 20          // bytes of program counters in a symbol POST
	symbolReadBudget = 30 * time.Second // to receive those bytes
)

// Handler returns the handler of every endpoint on a private http.ServeMux,
// for programs that run their own server: mount it at the root of a mux
// (mux.Handle("/debug/", h) and mux.Handle("/healthz", h) work too), since
// its paths are absolute. It registers nothing anywhere else and does not
// change profiling rates; Start does that. Addr and AllowRemote are not used;
// Token is: with one, every request must carry it or the session cookie of
// a browser that logged in at /debug/login (see Config.Token). Each
// Handler has its own sessions.
func Handler(cfg Config) http.Handler {
	cfg = cfg.withDefaults()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/{name...}", func(w http.ResponseWriter, r *http.Request) {
		serveIndexOrProfile(w, r, cfg.Live != nil)
	})
	mux.HandleFunc("GET /debug/pprof/cmdline", serveCmdline)
	mux.HandleFunc("GET /debug/pprof/profile", serveCPUProfile)
	mux.HandleFunc("GET /debug/pprof/trace", serveTrace)
	mux.HandleFunc("GET /debug/pprof/symbol", serveSymbol)
	mux.HandleFunc("POST /debug/pprof/symbol", serveSymbol)
	mux.HandleFunc("GET /debug/vars", serveVars)
	mux.Handle("GET /debug/metrics", metricsHandler{cfg.Registry})
	if cfg.Health != nil {
		mux.Handle("/healthz", cfg.Health)
	}
	if cfg.Live != nil {
		mux.Handle("/debug/vitals/", http.StripPrefix("/debug/vitals", cfg.Live))
	}
	return nosniff{requireToken(cfg.Token, mux)}
}

// nosniff stops browsers from guessing a content type for any response,
// which matters for text that contains user-controlled strings.
type nosniff struct{ h http.Handler }

func (n nosniff) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	n.h.ServeHTTP(w, r)
}

// serveError answers with a plain-text error. X-Go-Pprof tells the pprof
// tool to show the body to its user instead of only the status.
func serveError(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Del("Content-Disposition")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Go-Pprof", "1")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// setBinaryHeaders marks the response as a file for the pprof tool to save.
func setBinaryHeaders(w http.ResponseWriter, filename string) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", filename))
}

// secondsParam reads ?seconds=N, a positive number of seconds (fractions
// allowed) of at most MaxSeconds, or def when it is absent.
func secondsParam(q url.Values, def int) (time.Duration, error) {
	s := q.Get("seconds")
	if s == "" {
		return time.Duration(def) * time.Second, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f > 0) { // !(f > 0) also refuses NaN
		return 0, fmt.Errorf("invalid seconds=%q: want a positive number", s)
	}
	if f > MaxSeconds {
		return 0, fmt.Errorf("seconds=%s is too long: at most %d", s, MaxSeconds)
	}
	return time.Duration(f * float64(time.Second)), nil
}

// intParam reads a non-negative integer query parameter, or 0 when absent.
func intParam(q url.Values, name string) (int, error) {
	s := q.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid %s=%q: want a non-negative integer", name, s)
	}
	return n, nil
}

// extendWriteDeadline gives a response that takes d to produce d more than
// the server's WriteTimeout. A server without a WriteTimeout has no deadline
// to extend, and setting one there would outlive this request.
func extendWriteDeadline(w http.ResponseWriter, r *http.Request, d time.Duration) {
	srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server)
	if !ok || srv.WriteTimeout <= 0 {
		return
	}
	// An error means the ResponseWriter cannot take deadlines (a test
	// recorder, a wrapper): then there is none to run into either.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(srv.WriteTimeout + d))
}
