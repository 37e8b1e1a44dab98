package healthcheck_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/vitals-go/vitals/healthcheck"
	"github.com/vitals-go/vitals/metrics"
)

func Example() {
	reg := metrics.NewRegistry()
	inQ := reg.Gauge("queue.depth", metrics.Tags{"queue": "in"})
	inQ.Update(812)

	health, err := healthcheck.New(healthcheck.Config{Service: "alerts", Release: "v42"})
	if err != nil {
		log.Fatal(err)
	}
	health.Register("In Q", healthcheck.GaugeThreshold(inQ, 500, 5000))
	health.Register("pprof", healthcheck.Info(func() string { return "127.0.0.1:6060" }))

	r := health.Report(context.Background())
	fmt.Println(r.Status)
	for _, c := range r.Checks {
		fmt.Printf("%s %s: %s\n", c.Status, c.Name, c.Value)
	}
	// Output:
	// WARN
	// WARN In Q: 812 (warn > 500)
	// GOOD pprof: 127.0.0.1:6060
}

func ExampleReport_WriteText() {
	r := healthcheck.Report{
		Header: "alerts: v42 Built on ci-7 linux/amd64 [go version go1.26.8] Debian GNU/Linux 12 (bookworm) (2025-11-20T14:03:11Z)",
		Status: healthcheck.Warn,
		Uptime: 3*time.Hour + 12*time.Minute + 5*time.Second,
		PID:    4242,
		Checks: []healthcheck.CheckResult{
			{Name: "In Q", Status: healthcheck.Good, Value: "0"},
			{Name: "State Q", Status: healthcheck.Warn, Value: "812 (warn > 500)"},
			{Name: "Rate Spot", Status: healthcheck.Good, Value: "50.20/s"},
			{Name: "Hostile", Status: healthcheck.Good, Value: "two\nlines \x1b[31mred"},
		},
	}
	r.WriteText(os.Stdout)
	// Output:
	// alerts: v42 Built on ci-7 linux/amd64 [go version go1.26.8] Debian GNU/Linux 12 (bookworm) (2025-11-20T14:03:11Z)
	// WARN up 3h12m5s pid 4242
	// GOOD In Q: 0
	// WARN State Q: 812 (warn > 500)
	// GOOD Rate Spot: 50.20/s
	// GOOD Hostile: two lines ?[31mred
}

func ExampleTimerPercentile() {
	latency := metrics.NewRegistry().Timer("query.latency", nil)
	latency.Update(12345 * time.Microsecond)
	check := healthcheck.TimerPercentile(latency, 0.99, 10*time.Millisecond, 100*time.Millisecond)
	r := check(context.Background())
	fmt.Println(r.Status, r.Value)
	// Output:
	// WARN p99 12.3ms (warn > 10ms)
}

func ExampleHealth_Start() {
	health, err := healthcheck.New(healthcheck.Config{Service: "alerts"})
	if err != nil {
		log.Fatal(err)
	}
	// Read it with `nc 127.0.0.1 10001`, or `nc -U /run/alerts/health.sock`.
	// (Without Unix, Addr defaults to 127.0.0.1:10001.)
	srv, err := health.Start(healthcheck.ServerConfig{Unix: "/run/alerts/health.sock", Addr: "127.0.0.1:10001"})
	if err != nil {
		log.Fatal(err)
	}
	// ... the service runs, then stops:
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Print(err)
	}
}

func ExampleHealth_Handler() {
	health, err := healthcheck.New(healthcheck.Config{Service: "alerts"})
	if err != nil {
		log.Fatal(err)
	}
	health.Register("db", func(ctx context.Context) healthcheck.Result {
		return healthcheck.Result{Status: healthcheck.Critical, Value: "connection refused"}
	})
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", health.Handler())

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	// Output:
	// 503 application/json
}

func ExampleParseReport() {
	text := "alerts: v42 linux/amd64 [go version go1.26.8] (2025-11-20T14:03:11Z)\n" +
		"WARN up 3h12m5s pid 4242\n" +
		"GOOD In Q: 0\n" +
		"WARN State Q: 812 (warn > 500)\n"
	r, err := healthcheck.ParseReport(strings.NewReader(text))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Status, r.Uptime, r.PID)
	for _, c := range r.Checks {
		fmt.Printf("%s %q %q\n", c.Status, c.Name, c.Value)
	}
	// Output:
	// WARN 3h12m5s 4242
	// GOOD "In Q" "0"
	// WARN "State Q" "812 (warn > 500)"
}
