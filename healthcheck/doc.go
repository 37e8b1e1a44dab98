// Package healthcheck is the report an operator reads with `nc host 10001`:
// what is running and since when, how it is doing overall, and one line
// per check. It serves the same report as JSON for load balancers.
//
// A complete program:
//
//	package main
//
//	import (
//		"context"
//		"log"
//		"net/http"
//		"os/signal"
//		"syscall"
//		"time"
//
//		"github.com/vitals-go/vitals/healthcheck"
//		"github.com/vitals-go/vitals/metrics"
//	)
//
//	func main() {
//		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
//		defer stop()
//
//		reg := metrics.NewRegistry()
//		inQ := reg.Gauge("queue.depth", metrics.Tags{"queue": "in"})
//		served := reg.Meter("requests", nil)
//		latency := reg.Timer("query.latency", nil)
//
//		health, err := healthcheck.New(healthcheck.Config{Service: "alerts"})
//		if err != nil {
//			log.Fatal(err)
//		}
//		health.Register("In Q", healthcheck.GaugeThreshold(inQ, 500, 5000))
//		health.Register("Requests", healthcheck.MeterRateBelow(served, 10, 1))
//		health.Register("Query", healthcheck.TimerPercentile(latency, 0.99, 10*time.Millisecond, 100*time.Millisecond))
//		health.Register("JSON", healthcheck.Info(func() string { return "http://127.0.0.1:8080/healthz" }))
//
//		srv, err := health.Start(healthcheck.ServerConfig{}) // 127.0.0.1:10001
//		if err != nil {
//			log.Fatal(err)
//		}
//		defer srv.Shutdown(context.Background())
//
//		mux := http.NewServeMux()
//		mux.Handle("GET /healthz", health.Handler())
//		go http.ListenAndServe("127.0.0.1:8080", mux)
//
//		for ctx.Err() == nil { // the work
//			start := time.Now()
//			time.Sleep(2 * time.Millisecond)
//			latency.UpdateSince(start)
//			served.Mark(1)
//			inQ.Update(int64(start.Second() * 20))
//		}
//	}
//
// and what `nc 127.0.0.1 10001` prints while it runs:
//
//	alerts: 3f2a9c1d8e7b linux/amd64 [go version go1.26.8] Debian GNU/Linux 12 (bookworm) (2025-11-20T14:03:11Z)
//	WARN up 1m12s pid 4242
//	WARN In Q: 820 (warn > 500)
//	GOOD Requests: 412.70/s
//	GOOD Query: p99 2.13ms
//	GOOD JSON: http://127.0.0.1:8080/healthz
//
// # The report
//
// The first line names the service, its release (Config.Release, else the
// VCS revision the binary was built from), the build host when BuildHost
// was set at link time, the platform, the Go version, the machine's OS
// (PRETTY_NAME from /etc/os-release) and the commit time. The second is
// the overall status — GOOD, WARN or CRITICAL, the worst of the checks —
// with the uptime and process ID. Then one line per check, in
// registration order. Whatever a check returns, the report keeps this
// shape: names and values are cut to 200 bytes, and line breaks, control
// characters (terminal escape sequences included) and invalid UTF-8 are
// replaced. See Report.WriteText; ParseReport reads the text back, as
// `vitals health` does.
//
// # Checks
//
// Report runs every check concurrently, each with Config.CheckTimeout
// (1 s), and reuses the report for Config.CacheFor (250 ms): a thousand
// readers at once run each check once. A check that times out or panics is
// CRITICAL, with "timed out after 1s" or "panic: ..." as its value; it
// never takes the process down. Go cannot stop a goroutine, so a check
// that ignores its context is abandoned at the timeout and finishes in the
// background; until it does, it is not called again and reports
// CRITICAL, so a stuck check holds one goroutine, not one per report.
// GaugeThreshold, MeterRateAbove, MeterRateBelow, TimerPercentile and Info
// build checks from metrics.
//
// # The socket
//
// Start listens on 127.0.0.1:10001 by default, and optionally on a unix
// socket; binding an address other hosts can reach needs
// ServerConfig.AllowRemote. It writes the report to each connection and
// closes it, reading nothing. At most ServerConfig.MaxConns (64)
// connections are served at once — the others get one BUSY line at once,
// never a queue — and a client that does not read is cut off after
// ServerConfig.WriteTimeout (2 s), so slow or many clients cannot exhaust
// the process. Handler serves the same report as JSON.
//
// Like pprofserver.Start, Start returns once its addresses are bound, and
// serves in the background; Server.Shutdown(ctx) stops it, and a second
// Shutdown returns ErrShutdown.
package healthcheck
