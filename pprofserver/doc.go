// Package pprofserver serves the runtime's profiles, an expvar-style
// /debug/vars and the metrics registry on a private HTTP server, bound to
// the loopback interface unless told otherwise. It registers nothing on
// http.DefaultServeMux: it imports neither net/http/pprof nor expvar, whose
// init functions would, and implements their endpoints on runtime/pprof and
// runtime/trace instead.
//
// A complete program:
//
//	package main
//
//	import (
//		"context"
//		"log"
//		"os"
//		"os/signal"
//		"time"
//
//		"github.com/vitals-go/vitals/metrics"
//		"github.com/vitals-go/vitals/pprofserver"
//	)
//
//	func main() {
//		srv, err := pprofserver.Start(pprofserver.Config{}) // 127.0.0.1:6060
//		if err != nil {
//			log.Fatal(err)
//		}
//		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
//		defer stop()
//		done := metrics.Default.Counter("jobs.done", metrics.Tags{"queue": "base"})
//		for ctx.Err() == nil {
//			time.Sleep(10 * time.Millisecond) // the work
//			done.Inc(1)
//		}
//		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
//		defer cancel()
//		if err := srv.Shutdown(shutdownCtx); err != nil {
//			log.Print(err)
//		}
//	}
//
// While it runs:
//
//	go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=10
//	go tool pprof http://127.0.0.1:6060/debug/pprof/heap
//	curl -o trace.out 'http://127.0.0.1:6060/debug/pprof/trace?seconds=5' && go tool trace trace.out
//	curl http://127.0.0.1:6060/debug/metrics
//
// A program that runs its own HTTP server mounts Handler instead of calling
// Start.
//
// # Endpoints
//
//	/debug/pprof/             HTML index of the profiles below, with counts
//	/debug/pprof/profile      CPU profile; seconds=N, default 30
//	/debug/pprof/trace        execution trace; seconds=N, default 1
//	/debug/pprof/<name>       a runtime/pprof profile: goroutine, heap, allocs,
//	                          threadcreate, block, mutex, or the program's own;
//	                          debug=N for text, gc=1 to collect garbage before heap
//	/debug/pprof/cmdline      the command line, NUL-separated
//	/debug/pprof/symbol       program counters to function names (GET and POST)
//	/debug/vars               {"cmdline": [...], "memstats": {...}}, as expvar
//	/debug/metrics            Config.Registry as JSON (see below)
//	/healthz                  Config.Health, or 404 without one
//	/debug/vitals/            Config.Live (the live page), or 404 without one
//	/debug/login              POST: the login form's target, with Config.Token
//	/debug/logout             POST: drops the login's cookie, with Config.Token
//
// They answer as net/http/pprof's do, so go tool pprof and go tool trace
// read them: binary responses are application/octet-stream with a
// Content-Disposition file name, text is text/plain, every response has
// X-Content-Type-Options: nosniff, and errors are plain text marked with
// X-Go-Pprof, which makes the pprof tool print them. The differences:
//
//   - A malformed or out-of-range parameter is refused with 400 instead of
//     replaced by the default; seconds may be at most MaxSeconds (5 minutes).
//   - A CPU profile or trace asked for while one is running (the process
//     can record one of each at a time) gets 409 Conflict.
//   - The CPU profile's status and headers are sent as soon as profiling
//     starts; the profile follows when it ends.
//   - seconds=N on a named profile (a delta profile) gets 400: fetch the
//     profile twice and use go tool pprof -base.
//   - /debug/vars holds only cmdline and memstats, not the program's own
//     expvar variables.
//
// # /debug/metrics
//
// The registry is read with Registry.Peek, so looking never starts a new
// histogram interval and takes nothing away from the exporters. The answer
// is one JSON object with one series per line, sorted by name and tags:
//
//	{"time":"2026-01-02T15:04:05.123456789Z","default_tags":{"service":"alerts"},"series":[
//	{"name":"jobs.done","tags":{"queue":"base"},"kind":"counter","count":1234},
//	{"name":"query.latency","tags":{"stage":"plan"},"kind":"timer","unit":"ns","count":100,
//	 "rates":{"rate1":1.9,"rate5":1.9,"rate15":1.9,"mean":2.1},
//	 "summary":{"count":100,"sum":5050000000,"min":1000000,"max":100000000,"mean":50500000,
//	 "stddev":28874063.27,"p50":50356405.40,"p75":74830671.13,"p95":94905249.45,"p99":98738751.29,"p999":100000000}}
//	]}
//
// (the timer is on one line in the real output). Every series has name,
// kind (counter, gauge, gauge_float64, meter, histogram, timer) and, when
// it has any, tags; counters, meters, histograms and timers have count
// (since creation); gauges have value; meters and timers have rates (per
// second: 1-, 5- and 15-minute moving averages and the mean); histograms and
// timers have the summary of the current interval, in unit (ns for timers).
// Histogram buckets are left out. A value JSON cannot hold (NaN, infinity)
// is null.
//
// # Safety
//
// Profiles expose memory contents, the command line and code, so Start
// refuses an address that other hosts can reach (an empty or unspecified
// host, a non-loopback IP, a host name other than localhost) with an error
// wrapping ErrNotLoopback, unless Config.AllowRemote is set.
//
// Config.Token adds a bearer token that every request must carry, on
// loopback too, since other users and containers of the machine may share
// it. Without the token, or with another one, a request gets 401 with
// WWW-Authenticate: Bearer, whatever its path. go tool pprof has no flag
// for a request header, so fetch with curl and open the file:
//
//	curl -fsS -H "Authorization: Bearer $VITALS_PPROF_TOKEN" -o cpu.pprof \
//		'http://10.0.0.7:6060/debug/pprof/profile?seconds=10'
//	go tool pprof cpu.pprof
//
// The token travels in plain HTTP: it keeps out whoever can reach the port
// but cannot read the traffic.
//
// # Browsers
//
// A browser cannot add an Authorization header, so with a Token a page
// load (a GET whose Accept names text/html) without it gets, with the
// same 401 and challenge, a small login form: no script, a
// Content-Security-Policy that allows nothing but its own style and its
// POST to this server, and a hidden field next with the path that was
// asked for. Other clients (curl, go tool pprof, the live page's own
// requests) still get the plain-text 401.
//
// The form posts the field token (application/x-www-form-urlencoded, at
// most 8 KiB, read within 10 s; never from the URL's query) to
// /debug/login. The right token, compared in constant time, gets a
// session cookie and a 303 redirect to next, if next is a path of this
// server (it starts with "/", not "//" nor "/\", and has no control
// characters or spaces), or to /debug/pprof/ otherwise, so that the form
// cannot send anyone to another site. Another token gets the form again,
// with a notice; failures are neither slowed down nor logged, since a
// bearer header can try tokens as fast, and a token of 256 random bits
// is the defence. The cookie
//
//	Set-Cookie: vitals_pprof_session_6060=<26 random characters>; Path=/; HttpOnly; SameSite=Strict
//
// then stands for the token on every path. Its value is random, made
// when the Handler is, not derived from the token: it reveals nothing
// of the token, and a restart of the process ends every session. Its
// name holds the port the browser asked for, because browsers keep
// cookies by host, not port: two processes on one machine each keep
// their own login. HttpOnly keeps it from scripts; SameSite=Strict keeps
// other sites' pages from making the browser send it, so they cannot use
// the session (a cross-site login POST does no harm: it needs the token).
// It is not Secure, which a browser would not send back over plain HTTP,
// except when Handler is served over TLS. Any other server on the same
// host name, whatever its port, receives it too, as browsers do with
// every cookie. POST /debug/logout drops the cookie from the browser that
// posts it; the value stays valid until the process restarts, as a copied
// token would. Without a Token, neither endpoint exists.
//
// Block and mutex profiling cost something on every contended operation,
// so they stay as the program left them (off by default) unless
// Config.BlockProfileRate or Config.MutexProfileFraction ask for them; Start
// turns them on and Shutdown turns them back.
//
// # Timeouts
//
// The server waits at most 10 s for a request's headers and 60 s for a
// keep-alive connection's next request, and gives every response 60 s to
// be written. The CPU profile and trace endpoints extend that write deadline
// (through http.ResponseController) by the seconds they were asked for, so
// profile?seconds=300 completes. They do the same under a caller's server
// that has a WriteTimeout. There is no ReadTimeout, because net/http cancels
// the request's context when it expires, which would end a long profile
// early; the symbol endpoint, the only one that reads a body, bounds its
// read to 30 s and 4 MiB itself.
//
// Shutdown ends CPU profiles and traces in progress: their clients receive
// what was recorded until then, a valid, shorter profile.
package pprofserver
