package vitals_test

import (
	"cmp"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vitals-go/vitals"
	"github.com/vitals-go/vitals/healthcheck"
	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
	"github.com/vitals-go/vitals/pprofserver"
)

// The safe defaults of DESIGN.md ("Ports and safety"), through vitals.Start.

// clearEnv unsets every VITALS_* variable that Start reads, for the test.
func clearEnv(t *testing.T) {
	for _, name := range vitals.EnvVariables() {
		t.Setenv(name, "") // Start reads an empty variable as unset
	}
}

// startVitals starts with cfg, quietly, on its own registry, and shuts
// down at the end of the test.
func startVitals(t *testing.T, cfg vitals.Config) *vitals.Instance {
	t.Helper()
	if cfg.Service == "" {
		cfg.Service = "alerts"
	}
	cfg.Registry, cfg.Console, cfg.FlushInterval = metrics.NewRegistry(), io.Discard, cmp.Or(cfg.FlushInterval, time.Hour)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	inst, err := vitals.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := inst.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return inst
}

// TestDefaultsListenOnLoopback: with no address configured, the health
// socket listens on 127.0.0.1:10001 and pprof on 127.0.0.1:6060. When
// another process holds the port, the error shows the address Start tried,
// which is as good a proof.
func TestDefaultsListenOnLoopback(t *testing.T) {
	clearEnv(t)
	for _, tc := range []struct {
		name string
		cfg  vitals.Config
		addr func(*vitals.Instance) string
		want string
	}{
		{"health", vitals.Config{PprofAddr: vitals.Off}, (*vitals.Instance).HealthAddr, "127.0.0.1:10001"},
		{"pprof", vitals.Config{HealthAddr: vitals.Off}, (*vitals.Instance).PprofAddr, "127.0.0.1:6060"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Service, tc.cfg.Registry, tc.cfg.Console = "alerts", metrics.NewRegistry(), io.Discard
			tc.cfg.Logger, tc.cfg.FlushInterval = slog.New(slog.DiscardHandler), time.Hour
			inst, err := vitals.Start(context.Background(), tc.cfg)
			if err != nil {
				if errors.Is(err, syscall.EADDRINUSE) && strings.Contains(err.Error(), tc.want) {
					t.Logf("the default port is in use, and Start tried %s: %v", tc.want, err)
					return
				}
				t.Fatalf("Start with the defaults: %v", err)
			}
			defer inst.Shutdown(context.Background())
			got := tc.addr(inst)
			host, _, err := net.SplitHostPort(got)
			if got != tc.want || err != nil || !net.ParseIP(host).IsLoopback() {
				t.Errorf("%s listens on %q, want %s", tc.name, got, tc.want)
			}
		})
	}
}

// TestRemotePprofNeedsOptIn: an address other hosts can reach is refused
// with an error that says how to allow it; VITALS_PPROF_ALLOW_REMOTE=1
// alone does not allow it (it is ignored with a warning): the program must
// set Config.AllowRemoteFromEnv for the environment to open the port.
func TestRemotePprofNeedsOptIn(t *testing.T) {
	clearEnv(t)
	for _, addr := range []string{":6060", "0.0.0.0:0", "[::]:0", "192.0.2.1:6060"} {
		inst, err := vitals.Start(context.Background(), vitals.Config{
			Service: "alerts", PprofAddr: addr, HealthAddr: vitals.Off,
			Registry: metrics.NewRegistry(), Console: io.Discard, Logger: slog.New(slog.DiscardHandler),
		})
		if err == nil {
			inst.Shutdown(context.Background())
			t.Errorf("Start listened for pprof on %q without the opt-in", addr)
			continue
		}
		if !errors.Is(err, pprofserver.ErrNotLoopback) || !strings.Contains(err.Error(), addr) ||
			!strings.Contains(err.Error(), "VITALS_PPROF_ALLOW_REMOTE=1") {
			t.Errorf("Start with pprof on %q: %v\nwant ErrNotLoopback, naming the address and VITALS_PPROF_ALLOW_REMOTE=1", addr, err)
		}
	}

	t.Setenv("VITALS_PPROF_ALLOW_REMOTE", "1")
	var logs testkit.Buffer
	_, err := vitals.Start(context.Background(), vitals.Config{
		Service: "alerts", PprofAddr: "0.0.0.0:0", HealthAddr: vitals.Off,
		Registry: metrics.NewRegistry(), Console: io.Discard, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if !errors.Is(err, pprofserver.ErrNotLoopback) {
		t.Fatalf("VITALS_PPROF_ALLOW_REMOTE=1 without Config.AllowRemoteFromEnv: Start returned %v; want ErrNotLoopback", err)
	}
	startVitals(t, vitals.Config{PprofAddr: "127.0.0.1:0", HealthAddr: vitals.Off, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if !strings.Contains(logs.String(), "VITALS_PPROF_ALLOW_REMOTE=1 is ignored") {
		t.Errorf("no warning that VITALS_PPROF_ALLOW_REMOTE=1 was ignored:\n%s", logs.String())
	}

	inst := startVitals(t, vitals.Config{PprofAddr: "0.0.0.0:0", HealthAddr: vitals.Off, AllowRemoteFromEnv: true})
	host, port, _ := net.SplitHostPort(inst.PprofAddr())
	if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
		t.Errorf("with the opt-in, pprof listens on %s, want every interface", inst.PprofAddr())
	}
	if r := httpGet(t, "http://127.0.0.1:"+port+"/debug/pprof/cmdline", ""); r.StatusCode != http.StatusOK {
		t.Errorf("with the opt-in: %s", r.Status)
	}
}

func TestRemoteHealthNeedsOptIn(t *testing.T) {
	clearEnv(t)
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0"} {
		inst, err := vitals.Start(context.Background(), vitals.Config{
			Service: "alerts", HealthAddr: addr, PprofAddr: vitals.Off,
			Registry: metrics.NewRegistry(), Console: io.Discard, Logger: slog.New(slog.DiscardHandler),
		})
		if err == nil {
			inst.Shutdown(context.Background())
			t.Errorf("Start listened for health on %q without the opt-in", addr)
			continue
		}
		if !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "VITALS_HEALTH_ALLOW_REMOTE=1") {
			t.Errorf("Start with health on %q: %v\nwant an error naming the address and VITALS_HEALTH_ALLOW_REMOTE=1", addr, err)
		}
	}

	t.Setenv("VITALS_HEALTH_ALLOW_REMOTE", "1")
	_, err := vitals.Start(context.Background(), vitals.Config{
		Service: "alerts", HealthAddr: "0.0.0.0:0", PprofAddr: vitals.Off,
		Registry: metrics.NewRegistry(), Console: io.Discard, Logger: slog.New(slog.DiscardHandler),
	})
	if !errors.Is(err, healthcheck.ErrNotLoopback) {
		t.Fatalf("VITALS_HEALTH_ALLOW_REMOTE=1 without Config.AllowRemoteFromEnv: Start returned %v; want ErrNotLoopback", err)
	}
	// The environment may narrow what the code allowed.
	t.Setenv("VITALS_HEALTH_ALLOW_REMOTE", "0")
	_, err = vitals.Start(context.Background(), vitals.Config{
		Service: "alerts", HealthAddr: "0.0.0.0:0", PprofAddr: vitals.Off, HealthAllowRemote: true,
		Registry: metrics.NewRegistry(), Console: io.Discard, Logger: slog.New(slog.DiscardHandler),
	})
	if !errors.Is(err, healthcheck.ErrNotLoopback) {
		t.Fatalf("VITALS_HEALTH_ALLOW_REMOTE=0 with Config.HealthAllowRemote: Start returned %v; want ErrNotLoopback", err)
	}

	t.Setenv("VITALS_HEALTH_ALLOW_REMOTE", "1")
	inst := startVitals(t, vitals.Config{HealthAddr: "0.0.0.0:0", PprofAddr: vitals.Off, AllowRemoteFromEnv: true})
	host, port, _ := net.SplitHostPort(inst.HealthAddr())
	if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
		t.Errorf("with the opt-in, health listens on %s, want every interface", inst.HealthAddr())
	}
	conn, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	report, err := io.ReadAll(conn)
	if err != nil || !strings.Contains(string(report), "alerts") {
		t.Errorf("with the opt-in, the socket answered %q, %v", report, err)
	}
}

// httpGet fetches url with auth as its Authorization header (none if "")
// and returns the answer, its body read and closed.
func httpGet(t *testing.T, url, auth string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// healthReport reads the health socket.
func healthReport(t *testing.T, addr string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestNothingOnDefaultServeMux starts everything, uses every endpoint, and
// then checks that http.DefaultServeMux has no handler for any of them:
// neither vitals nor anything it imports (the exporters, pgx) registered
// one, as net/http/pprof and expvar do in their init.
func TestNothingOnDefaultServeMux(t *testing.T) {
	clearEnv(t)
	inst := startVitals(t, vitals.Config{HealthAddr: "127.0.0.1:0", PprofAddr: "127.0.0.1:0"})
	paths := []string{
		"/", "/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/goroutine", "/debug/pprof/cmdline",
		"/debug/pprof/profile", "/debug/pprof/symbol", "/debug/pprof/trace", "/debug/vars",
		"/debug/metrics", "/healthz", "/health", "/metrics", "/debug/vitals/", "/debug/vitals/api/state",
	}
	for _, p := range paths {
		httpGet(t, "http://"+inst.PprofAddr()+p+"?debug=1&seconds=0.1", "")
	}
	healthReport(t, inst.HealthAddr())
	for _, p := range paths {
		for _, method := range []string{"GET", "POST"} {
			if h, pattern := http.DefaultServeMux.Handler(httptest.NewRequest(method, p, nil)); pattern != "" {
				t.Errorf("http.DefaultServeMux serves %s %s with %T (pattern %q)", method, p, h, pattern)
			}
		}
	}
}

// TestPprofTokenFromEnv: VITALS_PPROF_TOKEN makes every pprof request need
// the bearer token, on loopback too; Config.PprofToken wins over it; the
// token shows in no log and no health report; one that cannot be sent is
// refused.
func TestPprofTokenFromEnv(t *testing.T) {
	clearEnv(t)
	const token = "b6f1c0de-from-env"
	t.Setenv("VITALS_PPROF_TOKEN", "  "+token+"\n") // trimmed, as the other variables
	var logs testkit.Buffer
	inst := startVitals(t, vitals.Config{
		HealthAddr: "127.0.0.1:0", PprofAddr: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	base := "http://" + inst.PprofAddr()
	for _, p := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/cmdline", "/debug/vars", "/debug/metrics", "/healthz",
		"/debug/vitals/", "/debug/vitals/api/state"} {
		for auth, want := range map[string]int{
			"":                http.StatusUnauthorized,
			"Bearer wrong":    http.StatusUnauthorized,
			"Bearer " + token: http.StatusOK,
		} {
			r := httpGet(t, base+p, auth)
			if r.StatusCode != want {
				t.Errorf("GET %s with Authorization %q: %s, want %d", p, auth, r.Status, want)
			}
			if want == http.StatusUnauthorized && !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("GET %s with Authorization %q: WWW-Authenticate %q", p, auth, r.Header.Get("WWW-Authenticate"))
			}
		}
	}
	report := healthReport(t, inst.HealthAddr())
	if !strings.Contains(report, "pprof: "+base+"/debug/pprof/ (bearer token required)") {
		t.Errorf("the health report does not say that pprof needs a token:\n%s", report)
	}
	if strings.Contains(report, token) {
		t.Errorf("the health report holds the token:\n%s", report)
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("the log holds the token:\n%s", logs.String())
	}

	// Config.PprofToken wins over the environment.
	inst = startVitals(t, vitals.Config{HealthAddr: vitals.Off, PprofAddr: "127.0.0.1:0", PprofToken: "from-config"})
	if r := httpGet(t, "http://"+inst.PprofAddr()+"/debug/pprof/cmdline", "Bearer "+token); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("the environment's token with Config.PprofToken set: %s, want 401", r.Status)
	}
	if r := httpGet(t, "http://"+inst.PprofAddr()+"/debug/pprof/cmdline", "Bearer from-config"); r.StatusCode != http.StatusOK {
		t.Errorf("Config.PprofToken: %s, want 200", r.Status)
	}

	// A token that cannot be sent in a header is an error that does not
	// quote it, and nothing is left running.
	t.Setenv("VITALS_PPROF_TOKEN", "two words")
	_, err := vitals.Start(context.Background(), vitals.Config{
		Service: "alerts", HealthAddr: vitals.Off, PprofAddr: "127.0.0.1:0",
		Registry: metrics.NewRegistry(), Console: io.Discard, Logger: slog.New(slog.DiscardHandler),
	})
	if err == nil || !strings.Contains(err.Error(), "VITALS_PPROF_TOKEN") || strings.Contains(err.Error(), "two words") {
		t.Errorf("Start with VITALS_PPROF_TOKEN=%q: %v; want an error naming the variable, not quoting it", "two words", err)
	}
}
