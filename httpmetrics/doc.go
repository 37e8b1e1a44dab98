// Package httpmetrics records the latency of a server's HTTP requests in a
// metrics registry, by method, route pattern and status class.
//
// A complete program:
//
//	package main
//
//	import (
//		"context"
//		"fmt"
//		"log"
//		"net/http"
//		"os"
//		"os/signal"
//
//		"github.com/vitals-go/vitals"
//		"github.com/vitals-go/vitals/httpmetrics"
//	)
//
//	func main() {
//		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
//		defer stop()
//		inst, err := vitals.Start(ctx, vitals.Config{Service: "users"})
//		if err != nil {
//			log.Fatal(err)
//		}
//		defer inst.Shutdown(context.Background()) // the final flush
//
//		mux := http.NewServeMux()
//		mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
//			fmt.Fprintf(w, "user %s\n", r.PathValue("id"))
//		})
//		m, err := httpmetrics.New(httpmetrics.Config{}) // into metrics.Default
//		if err != nil {
//			log.Fatal(err)
//		}
//		srv := &http.Server{Addr: "127.0.0.1:8080", Handler: m.Wrap(mux)}
//		go func() {
//			<-ctx.Done()
//			srv.Shutdown(context.Background())
//		}()
//		if err := srv.ListenAndServe(); err != http.ErrServerClosed {
//			log.Print(err)
//		}
//	}
//
// # Series
//
// Every request updates one timer named http.server.duration (see
// Config.Name) with three tags:
//
//   - method: GET, HEAD, POST, PUT, PATCH, DELETE, CONNECT, OPTIONS or
//     TRACE; any other method is "other".
//   - route: the http.ServeMux pattern that matched, such as
//     "GET /users/{id}", never the path. A request that matched no pattern
//     (404 and 405 answers, the mux's redirects of unclean paths) is
//     "unmatched", so that scanners create no series. Past Config.MaxRoutes
//     patterns, further ones are "other".
//   - code: the status class, "1xx" to "5xx" ("6xx" to "9xx" for the odd
//     codes net/http also sends); "hijacked" for a request whose
//     handler took the connection over before sending a status (its
//     duration is then the time until the handler returned).
//
// A timer exports its count and rates as well as its quantiles, so it
// counts the requests too.
//
// # Routes
//
// ServeMux sets Request.Pattern on the request it routes, so Wrap reads the
// route once the mux has served the request. Wrap the mux itself: a handler
// between the two that passes the mux a copy of the request
// (http.StripPrefix, http.TimeoutHandler, anything calling r.WithContext)
// hides the pattern. Such handlers go outside Wrap, or inside the mux's
// routes. Where nested muxes serve the same request, the innermost one
// decides: its pattern, or "unmatched" if none of its patterns matched. With GODEBUG=httpmuxgo121=1, ServeMux sets no pattern and
// every request is "unmatched".
//
// # Cost
//
// Recording a request does not allocate: the series is found by its tag
// values (metrics.Family) and the route bound is a lock-free map read. The
// middleware allocates one small object per request, the ResponseWriter
// that captures the status; it is not pooled, because a handler that kept
// the writer past its return would then write into another request's
// response.
//
// # The ResponseWriter
//
// The handler gets a ResponseWriter that records the first final status
// (WriteHeader, or 200 on the first Write, ReadFrom or Flush) and passes
// everything on. It implements http.Flusher, http.Hijacker and io.ReaderFrom
// whatever the server's writer is, and Unwrap for http.ResponseController:
// through a writer that cannot hijack (HTTP/2), Hijack returns an error
// wrapping http.ErrNotSupported. http.Pusher is not passed on.
//
// # Panics
//
// A handler that panics is recorded with code "5xx", whatever it wrote:
// the server aborts the response. The middleware does not recover; the
// panic reaches http.Server unchanged, with its stack.
package httpmetrics
