package pprofserver_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/loopback/loopbacktest"
	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/pprofserver"
)

func TestStartLogsAddr(t *testing.T) {
	t.Parallel()
	var logs testkit.Buffer
	s := start(t, pprofserver.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	host, port, err := net.SplitHostPort(s.Addr())
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Errorf("Addr() = %q, want 127.0.0.1 and the port that was picked", s.Addr())
	}
	if !strings.Contains(logs.String(), "addr="+s.Addr()) {
		t.Errorf("the log does not give the address %s:\n%s", s.Addr(), logs.String())
	}
}

// TestStartDefaultAddr: a zero Config listens on DefaultAddr,
// 127.0.0.1:6060, the loopback interface only. When another process holds
// that port, the error shows the address Start tried, which is as good a
// proof.
func TestStartDefaultAddr(t *testing.T) {
	t.Parallel()
	if pprofserver.DefaultAddr != "127.0.0.1:6060" {
		t.Errorf("DefaultAddr is %q", pprofserver.DefaultAddr)
	}
	s, err := pprofserver.Start(pprofserver.Config{Logger: quiet})
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) && strings.Contains(err.Error(), "127.0.0.1:6060") {
			t.Logf("the default port is in use, and Start tried 127.0.0.1:6060: %v", err)
			return
		}
		t.Fatalf("Start with a zero Config: %v", err)
	}
	defer s.Shutdown(context.Background())
	host, _, err := net.SplitHostPort(s.Addr())
	if s.Addr() != "127.0.0.1:6060" || err != nil || !net.ParseIP(host).IsLoopback() {
		t.Errorf("a zero Config listens on %q, want 127.0.0.1:6060", s.Addr())
	}
}

func TestStartAddrInUse(t *testing.T) {
	t.Parallel()
	s := start(t, pprofserver.Config{})
	if _, err := pprofserver.Start(pprofserver.Config{Addr: s.Addr(), Logger: quiet}); err == nil {
		t.Errorf("a second Start on %s succeeded", s.Addr())
	}
}

func TestRemoteAddrRefused(t *testing.T) {
	t.Parallel()
	for _, h := range loopbacktest.Hosts {
		if h.Loopback {
			continue
		}
		addr := h.Addr("0")
		s, err := pprofserver.Start(pprofserver.Config{Addr: addr, Logger: quiet})
		if !errors.Is(err, pprofserver.ErrNotLoopback) {
			t.Errorf("Start(%q): %v, want ErrNotLoopback", addr, err)
		}
		if s != nil {
			s.Shutdown(context.Background())
		}
		if err != nil && !strings.Contains(err.Error(), "AllowRemote") {
			t.Errorf("Start(%q): the error does not say how to allow it: %v", addr, err)
		}
	}
	for _, addr := range []string{"nonsense", "127.0.0.1", "[::1"} {
		if _, err := pprofserver.Start(pprofserver.Config{Addr: addr, Logger: quiet}); err == nil || errors.Is(err, pprofserver.ErrNotLoopback) {
			t.Errorf("Start(%q): %v, want an invalid-address error", addr, err)
		}
	}
	for _, cfg := range []pprofserver.Config{{BlockProfileRate: -1}, {MutexProfileFraction: -1}} {
		cfg.Addr, cfg.Logger = "127.0.0.1:0", quiet
		if _, err := pprofserver.Start(cfg); err == nil {
			t.Errorf("Start(%+v) accepted a negative rate", cfg)
		}
	}
}

func TestLoopbackAddrsAccepted(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	for _, h := range loopbacktest.Hosts {
		if !h.Loopback {
			continue
		}
		addr := h.Addr("0")
		s, err := pprofserver.Start(pprofserver.Config{Addr: addr, Logger: quiet})
		if err != nil {
			if errors.Is(err, pprofserver.ErrNotLoopback) {
				t.Errorf("Start(%q): %v", addr, err)
			} else {
				t.Logf("Start(%q): %v (not available on this machine)", addr, err)
			}
			continue
		}
		if r := get(t, c, "http://"+s.Addr()+"/debug/pprof/cmdline"); r.status != http.StatusOK {
			t.Errorf("%s: status %d", addr, r.status)
		}
		if err := s.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	}
}

func TestRemoteAddrAllowed(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	for _, addr := range []string{"0.0.0.0:0", ":0"} {
		s := start(t, pprofserver.Config{Addr: addr, AllowRemote: true})
		_, port, _ := net.SplitHostPort(s.Addr())
		if r := get(t, c, "http://127.0.0.1:"+port+"/debug/pprof/cmdline"); r.status != http.StatusOK {
			t.Errorf("%s: status %d", addr, r.status)
		}
	}
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	health := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusTeapot)
		}
		io.WriteString(w, "ok\n")
	})
	s := start(t, pprofserver.Config{Health: health})
	c := newClient(t)
	if r := get(t, c, "http://"+s.Addr()+"/healthz"); r.status != http.StatusOK || string(r.body) != "ok\n" {
		t.Errorf("GET /healthz: status %d, body %q", r.status, r.body)
	}
	// The health handler gets every method and decides for itself.
	if rec := serve(pprofserver.Config{Health: health}, "POST", "/healthz", nil); rec.Code != http.StatusTeapot {
		t.Errorf("POST /healthz: status %d, want the handler's 418", rec.Code)
	}

	s2 := start(t, pprofserver.Config{})
	if r := get(t, c, "http://"+s2.Addr()+"/healthz"); r.status != http.StatusNotFound {
		t.Errorf("GET /healthz without Config.Health: status %d, want 404", r.status)
	}
}

// TestLive: Config.Live gets the requests under /debug/vitals/ without
// the prefix, and the index links to it; without it, they get 404.
func TestLive(t *testing.T) {
	t.Parallel()
	live := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
	})
	s := start(t, pprofserver.Config{Live: live})
	c := newClient(t)
	for target, want := range map[string]string{
		"/debug/vitals/":                  "GET /?",
		"/debug/vitals/api/state?since=3": "GET /api/state?since=3",
		"/debug/vitals":                   "GET /?", // redirected
	} {
		if r := get(t, c, "http://"+s.Addr()+target); r.status != http.StatusOK || string(r.body) != want {
			t.Errorf("GET %s: status %d, body %q; want 200 and %q", target, r.status, r.body, want)
		}
	}
	if rec := serve(pprofserver.Config{Live: live}, "POST", "/debug/vitals/x", nil); rec.Body.String() != "POST /x?" {
		t.Errorf("POST /debug/vitals/x: %q; the live page gets every method and decides for itself", rec.Body)
	}
	if body := serve(pprofserver.Config{Live: live}, "GET", "/debug/pprof/", nil).Body.String(); !strings.Contains(body, `<a href="../vitals/">`) {
		t.Errorf("the index has no link to the live page:\n%s", body)
	}

	if rec := serve(pprofserver.Config{}, "GET", "/debug/vitals/", nil); rec.Code != http.StatusNotFound {
		t.Errorf("GET /debug/vitals/ without Config.Live: status %d, want 404", rec.Code)
	}
	if body := serve(pprofserver.Config{}, "GET", "/debug/pprof/", nil).Body.String(); strings.Contains(body, "vitals/") {
		t.Errorf("without Config.Live, the index links to it:\n%s", body)
	}
}

//go:noinline
func blockWhileProfiling() { blockBriefly() }

//go:noinline
func blockAfterShutdown() { blockBriefly() }

// blockBriefly waits on a channel long enough for the block profile.
func blockBriefly() {
	c := make(chan struct{})
	go func() {
		time.Sleep(20 * time.Millisecond)
		close(c)
	}()
	<-c
}

// TestProfileRates: Start sets the block and mutex profiling rates that the
// Config asks for, Shutdown puts them back, and a zero Config leaves them.
// They are process-wide, so this test does not run in parallel.
func TestProfileRates(t *testing.T) {
	before := runtime.SetMutexProfileFraction(-1)

	s := start(t, pprofserver.Config{})
	if got := runtime.SetMutexProfileFraction(-1); got != before {
		t.Errorf("a zero Config changed the mutex fraction from %d to %d", before, got)
	}
	s.Shutdown(context.Background())

	s, err := pprofserver.Start(pprofserver.Config{Addr: "127.0.0.1:0", Logger: quiet, BlockProfileRate: 1, MutexProfileFraction: 7})
	if err != nil {
		t.Fatal(err)
	}
	if got := runtime.SetMutexProfileFraction(-1); got != 7 {
		t.Errorf("mutex fraction %d after Start, want 7", got)
	}
	blockWhileProfiling()
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := runtime.SetMutexProfileFraction(-1); got != before {
		t.Errorf("mutex fraction %d after Shutdown, want %d as before Start", got, before)
	}
	blockAfterShutdown()

	var b bytes.Buffer
	if err := pprof.Lookup("block").WriteTo(&b, 1); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "pprofserver_test.blockWhileProfiling") {
		t.Errorf("the block profile lacks the blocking done while BlockProfileRate was 1:\n%s", b.String())
	}
	if strings.Contains(b.String(), "pprofserver_test.blockAfterShutdown") {
		t.Errorf("the block profile has blocking done after Shutdown set the rate back to 0:\n%s", b.String())
	}
}

// TestNothingOnDefaultServeMux uses every part of the package, then checks
// that http.DefaultServeMux has no handler for any of its paths.
func TestNothingOnDefaultServeMux(t *testing.T) {
	t.Parallel()
	s := start(t, pprofserver.Config{Health: http.NotFoundHandler(), Live: http.NotFoundHandler()})
	c := newClient(t)
	paths := []string{
		"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/cmdline", "/debug/pprof/profile",
		"/debug/pprof/symbol", "/debug/pprof/trace", "/debug/vars", "/debug/metrics", "/healthz",
		"/debug/vitals/", "/debug/vitals/api/state",
	}
	for _, p := range paths {
		get(t, c, "http://"+s.Addr()+p+"?debug=1&seconds=0.1")
		serve(pprofserver.Config{}, "GET", p+"?seconds=0.1", nil)
	}
	for _, p := range paths {
		for _, method := range []string{"GET", "POST"} {
			if h, pattern := http.DefaultServeMux.Handler(httptest.NewRequest(method, p, nil)); pattern != "" {
				t.Errorf("http.DefaultServeMux serves %s %s with %T (pattern %q)", method, p, h, pattern)
			}
		}
	}
}

// TestShutdownLeavesNoGoroutines leaves a keep-alive connection open and a
// request in progress, shuts down, and looks for what is left. Parallel
// tests are paused while it runs, so every server goroutine is its own.
func TestShutdownLeavesNoGoroutines(t *testing.T) {
	if gs := testkit.WaitGoroutines(5*time.Second, serverFrames...); len(gs) > 0 {
		t.Fatalf("server goroutines before the test:\n%s", strings.Join(gs, "\n\n"))
	}
	s := start(t, pprofserver.Config{})
	c := newClient(t)
	base := "http://" + s.Addr()
	for _, p := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/vars", "/debug/metrics"} {
		get(t, c, base+p) // the connection stays open, idle
	}
	var wg sync.WaitGroup
	wg.Go(func() { // a trace in progress, on a connection of its own
		resp, err := newClient(t).Get(base + "/debug/pprof/trace?seconds=60")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	testkit.Poll(t, 10*time.Second, "the server to serve: its Serve loop and 2 connections", func() bool {
		return len(testkit.Goroutines(serverFrames...)) >= 3
	})

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	wg.Wait()
	if gs := testkit.WaitGoroutines(5*time.Second, serverFrames...); len(gs) > 0 {
		t.Errorf("%d server goroutines left after Shutdown:\n%s", len(gs), strings.Join(gs, "\n\n"))
	}
	if _, err := c.Get(base + "/debug/vars"); err == nil {
		t.Error("the server still answers after Shutdown")
	}
}

// TestShutdownContextEnds: a request that does not finish by the end of
// Shutdown's context has its connection closed, and Shutdown says so with
// the context's error.
func TestShutdownContextEnds(t *testing.T) {
	t.Parallel()
	s := start(t, pprofserver.Config{})
	body, stall := io.Pipe() // a body that never comes
	defer stall.Close()
	sent := make(chan error, 1)
	go func() {
		resp, err := newClient(t).Post("http://"+s.Addr()+"/debug/pprof/symbol", "text/plain", body)
		if err == nil {
			resp.Body.Close()
		}
		sent <- err
	}()
	testkit.Poll(t, 10*time.Second, "the symbol handler to read the body", func() bool {
		return len(testkit.Goroutines("pprofserver.serveSymbol")) > 0
	})

	const wait = 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	start := time.Now()
	err := s.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "closed their connections") {
		t.Errorf("Shutdown: %v; want context.DeadlineExceeded and what it did", err)
	}
	if took := time.Since(start); took < wait || took > 20*time.Second {
		t.Errorf("Shutdown took %v with a %v context", took, wait)
	}
	stall.Close() // the client's transport waits for the body before it gives up
	if err := <-sent; err == nil {
		t.Error("the request whose connection Shutdown closed succeeded")
	}
	if err := s.Shutdown(ctx); !errors.Is(err, pprofserver.ErrShutdown) {
		t.Errorf("second Shutdown: %v, want ErrShutdown", err)
	}
}

// TestForeignHostRefused: a loopback server without a token answers only
// requests addressed to loopback, so that a web page cannot read it by
// DNS rebinding (its own domain in Host); with a token, or remote, any
// Host is served.
func TestForeignHostRefused(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	request := func(s *pprofserver.Server, host, token string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, "http://"+s.Addr()+"/debug/pprof/cmdline", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	plain := start(t, pprofserver.Config{})
	_, port, _ := net.SplitHostPort(plain.Addr())
	for host, want := range map[string]int{
		"127.0.0.1:" + port:         http.StatusOK,
		"localhost:" + port:         http.StatusOK,
		"LOCALHOST.:" + port:        http.StatusOK,
		"[::1]:" + port:             http.StatusOK,
		"127.0.0.2":                 http.StatusOK,
		"rebind.example:" + port:    http.StatusForbidden,
		"127.0.0.1.example:" + port: http.StatusForbidden,
		"10.0.0.1:" + port:          http.StatusForbidden,
	} {
		if got := request(plain, host, ""); got != want {
			t.Errorf("Host %q: status %d, want %d", host, got, want)
		}
	}
	withToken := start(t, pprofserver.Config{Token: "t0ken"})
	if got := request(withToken, "rebind.example", "t0ken"); got != http.StatusOK {
		t.Errorf("with a token, Host rebind.example: status %d, want 200", got)
	}
	remote := start(t, pprofserver.Config{Addr: "127.0.0.1:0", AllowRemote: true})
	if got := request(remote, "metrics.internal.example", ""); got != http.StatusOK {
		t.Errorf("AllowRemote, Host metrics.internal.example: status %d, want 200", got)
	}
}
