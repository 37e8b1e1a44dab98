package vitals_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"net"
	"strings"
	"testing"

	"github.com/vitals-go/vitals"
	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

// TestStartListsEveryProblem gives Start four independent mistakes at once;
// its one error must name each, by the setting the user set.
func TestStartListsEveryProblem(t *testing.T) {
	clearEnv(t)
	t.Setenv("VITALS_FLUSH_INTERVAL", "soon")
	t.Setenv("VITALS_OPENTSDB_URL", "127.0.0.1:4242")
	var console testkit.Buffer
	_, err := vitals.Start(context.Background(), vitals.Config{
		Service:     "alerts",
		PostgresURL: "postgress://svc:s3cret@127.0.0.1:1/metrics",
		HealthAddr:  "0.0.0.0:0",
		PprofAddr:   vitals.Off,
		Registry:    metrics.NewRegistry(), Console: &console, Logger: slog.New(slog.DiscardHandler),
	})
	if err == nil {
		t.Fatal("Start accepted four mistakes")
	}
	msg := err.Error()
	for _, want := range []string{
		`VITALS_FLUSH_INTERVAL="soon"`,
		`VITALS_OPENTSDB_URL: opentsdb: invalid Config: URL "127.0.0.1:4242" has no scheme; use http://127.0.0.1:4242`,
		`Config.PostgresURL: postgres: unknown URL scheme "postgress"`,
		`health socket: refusing Config.HealthAddr="0.0.0.0:0"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not say %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "s3cret") {
		t.Errorf("the error shows the password:\n%s", msg)
	}
	if console.String() != "" {
		t.Errorf("a failed Start wrote to the console: %q", console.String())
	}
}

// TestStartPortsInUse: both ports taken by another process are both
// reported, each with the variable to set.
func TestStartPortsInUse(t *testing.T) {
	clearEnv(t)
	var taken []string
	for range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		taken = append(taken, ln.Addr().String())
	}
	t.Setenv("VITALS_PPROF_ADDR", taken[1])
	var console testkit.Buffer
	_, err := vitals.Start(context.Background(), vitals.Config{
		Service: "alerts", HealthAddr: taken[0],
		Registry: metrics.NewRegistry(), Console: &console, Logger: slog.New(slog.DiscardHandler),
	})
	if err == nil {
		t.Fatal("Start listened on ports in use")
	}
	for _, want := range []string{
		"health socket: " + taken[0] + " is in use", "set VITALS_HEALTH_ADDR (or Config.HealthAddr)",
		"pprof: " + taken[1] + " is in use", "set VITALS_PPROF_ADDR to a free address", `"off"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
	if console.String() != "" {
		t.Errorf("a failed Start wrote to the console: %q", console.String())
	}
}

// TestHealthNamesTheLatestRefusal: the health report names the series and
// the reason of the latest refusal, not only the counts.
func TestHealthNamesTheLatestRefusal(t *testing.T) {
	clearEnv(t)
	reg := metrics.NewRegistry(metrics.WithLogger(slog.New(slog.DiscardHandler)))
	inst, err := vitals.Start(context.Background(), vitals.Config{
		Service: "alerts", HealthAddr: "127.0.0.1:0", PprofAddr: vitals.Off,
		Registry: reg, Console: io.Discard, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Shutdown(context.Background())
	reg.Counter("jobs done", nil).Inc(1)
	reg.GaugeFloat64("cache.ratio", metrics.Tags{"pool": "main"}).Update(math.NaN())
	report := healthReport(t, inst.HealthAddr())
	line := ""
	for l := range strings.Lines(report) {
		if strings.Contains(l, "Refused series") {
			line = l
		}
	}
	if !strings.HasPrefix(line, "WARN Refused series: latest") || !strings.Contains(line, "cache.ratio{pool=main}: refused NaN") ||
		!strings.Contains(line, "invalid 1") || !strings.Contains(line, "bad values 1") {
		t.Errorf("the health report does not name the latest refusal:\n%s", report)
	}
}
