package healthcheck_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vitals-go/vitals/healthcheck"
	"github.com/vitals-go/vitals/internal/loopback/loopbacktest"
	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

// safety bounds every network wait of these tests, so that a bug fails a
// test instead of hanging it. Nothing waits for it to pass.
const safety = 30 * time.Second

// serve starts a server that the test shuts down when it ends.
func serve(t *testing.T, h *healthcheck.Health, cfg healthcheck.ServerConfig) *healthcheck.Server {
	t.Helper()
	s, err := h.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Shutdown(context.Background()); err != nil && !errors.Is(err, healthcheck.ErrShutdown) {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return s
}

// network returns the network of an address Server.Addr returns: "unix"
// for the path of a unix socket, else "tcp".
func network(addr string) string {
	if strings.Contains(addr, "/") {
		return "unix"
	}
	return "tcp"
}

func dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout(network(addr), addr, safety)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(safety))
	return conn
}

// readAll reads what the server writes until it closes the connection.
func readAll(t testing.TB, conn net.Conn) string {
	t.Helper()
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("reading the report: %v (after %d bytes)", err, len(b))
	}
	return string(b)
}

// fetch connects to addr and returns the report.
func fetch(t testing.TB, addr string) string {
	t.Helper()
	conn := dial(t, addr)
	defer conn.Close()
	return readAll(t, conn)
}

// serverFrames find the goroutines of a Server in a stack dump, started or
// not (one that has not started shows as the go statement's wrapper).
var serverFrames = []string{"healthcheck.(*Server)", "healthcheck.(*Health).Start"}

var statusLine = regexp.MustCompile(`^(GOOD|WARN|CRITICAL) up (\d+h)?(\d+m)?\d+s pid (\d+)$`)

// checkReport parses a text report: the header of service "alerts"
// release "v42", the status line, and the check lines, which must be want.
func checkReport(t testing.TB, report string, status healthcheck.Status, want ...string) {
	t.Helper()
	ls := lines(t, report)
	if len(ls) < 2 {
		t.Fatalf("report of %d lines:\n%s", len(ls), report)
	}
	header := ls[0]
	for _, part := range []string{
		"alerts: v42 ",
		" " + runtime.GOOS + "/" + runtime.GOARCH + " ",
		" [go version " + runtime.Version() + "] ",
	} {
		if !strings.Contains(header, part) {
			t.Errorf("header %q lacks %q", header, part)
		}
	}
	if !strings.HasSuffix(header, ")") {
		t.Errorf("header %q does not end with the build time", header)
	}
	m := statusLine.FindStringSubmatch(ls[1])
	if m == nil || m[1] != status.String() || m[4] != strconv.Itoa(os.Getpid()) {
		t.Errorf("status line %q, want %v and pid %d", ls[1], status, os.Getpid())
	}
	if got := ls[2:]; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("check lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestServeTCP(t *testing.T) {
	reg := metrics.NewRegistry()
	in, state := reg.Gauge("in", nil), reg.Gauge("state", nil)
	state.Update(812)
	h := newHealth(t, healthcheck.Config{Service: "alerts", Release: "v42"})
	h.Register("In Q", healthcheck.GaugeThreshold(in, 500, 1000))
	h.Register("State Q", healthcheck.GaugeThreshold(state, 500, 1000))
	h.Register("Rate Spot", healthcheck.Info(func() string { return "50.20/s" }))
	s := serve(t, h, healthcheck.ServerConfig{Addr: "127.0.0.1:0"})

	tcp, err := netip.ParseAddrPort(s.Addr())
	if err != nil || tcp.Port() == 0 || !tcp.Addr().IsLoopback() {
		t.Fatalf("Addr() = %q", s.Addr())
	}
	report := fetch(t, s.Addr())
	checkReport(t, report, healthcheck.Warn,
		"GOOD In Q: 0",
		"WARN State Q: 812 (warn > 500)",
		"GOOD Rate Spot: 50.20/s")
	if pretty := osPrettyName(t); pretty != "" && !strings.Contains(lines(t, report)[0], " "+pretty+" (") {
		t.Errorf("header %q lacks the OS %q", lines(t, report)[0], pretty)
	}
}

// osPrettyName reads PRETTY_NAME from /etc/os-release, simply.
func osPrettyName(t *testing.T) string {
	data, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

func TestHeaderBuildHost(t *testing.T) {
	saved := healthcheck.BuildHost
	t.Cleanup(func() { healthcheck.BuildHost = saved })

	healthcheck.BuildHost = "ci-7"
	h := newHealth(t, healthcheck.Config{Service: "alerts", Release: "v42"})
	if header := h.Report(context.Background()).Header; !strings.HasPrefix(header, "alerts: v42 Built on ci-7 "+runtime.GOOS+"/") {
		t.Errorf("with BuildHost: %q", header)
	}
	healthcheck.BuildHost = ""
	h = newHealth(t, healthcheck.Config{Service: "alerts", Release: "v42"})
	if header := h.Report(context.Background()).Header; !strings.HasPrefix(header, "alerts: v42 "+runtime.GOOS+"/") {
		t.Errorf("without BuildHost: %q", header)
	}
}

func TestServeUnix(t *testing.T) {
	h := newHealth(t, healthcheck.Config{Service: "alerts", Release: "v42"})
	h.Register("db", fixed(healthcheck.Result{Value: "up"}, nil))
	path := filepath.Join(t.TempDir(), "health.sock")
	s := serve(t, h, healthcheck.ServerConfig{Unix: path}) // no TCP
	if s.Addr() != path {
		t.Fatalf("Addr() = %q, want %q", s.Addr(), path)
	}
	checkReport(t, fetch(t, s.Addr()), healthcheck.Good, "GOOD db: up")
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the socket file is still there after Shutdown: %v", err)
	}
}

func TestServeTCPAndUnix(t *testing.T) {
	h := newHealth(t, healthcheck.Config{Service: "alerts", Release: "v42"})
	path := filepath.Join(t.TempDir(), "health.sock")
	s := serve(t, h, healthcheck.ServerConfig{Addr: "127.0.0.1:0", Unix: path})
	checkReport(t, fetch(t, s.Addr()), healthcheck.Good)
	checkReport(t, fetch(t, path), healthcheck.Good)
}

func TestServeUnixExisting(t *testing.T) {
	h := newHealth(t, healthcheck.Config{Service: "alerts", Release: "v42"})
	dir := t.TempDir()

	// A socket file left by a process that is gone is replaced.
	stale := filepath.Join(dir, "stale.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	s := serve(t, h, healthcheck.ServerConfig{Unix: stale})
	checkReport(t, fetch(t, s.Addr()), healthcheck.Good)

	// A socket a live process listens on is not taken over.
	if _, err := h.Start(healthcheck.ServerConfig{Unix: stale}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("serving on a live socket: %v", err)
	}
	checkReport(t, fetch(t, s.Addr()), healthcheck.Good) // and the live one still works

	// A file that is not a socket is left alone.
	regular := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(regular, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Start(healthcheck.ServerConfig{Unix: regular}); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("serving on a regular file: %v", err)
	}
	if data, _ := os.ReadFile(regular); string(data) != "keep me" {
		t.Errorf("the regular file was changed: %q", data)
	}
}

// TestServeConcurrentReaders: 1,000 clients at once all get the whole
// report, and the checks run once per CacheFor, not once per client.
func TestServeConcurrentReaders(t *testing.T) {
	h := newHealth(t, healthcheck.Config{Service: "alerts", Release: "v42"}) // CacheFor: 250ms
	const checks = 5
	var calls [checks]atomic.Int64
	var want []string
	for i := range checks {
		name := "check " + strconv.Itoa(i)
		h.Register(name, fixed(healthcheck.Result{Value: strconv.Itoa(i)}, &calls[i]))
		want = append(want, "GOOD "+name+": "+strconv.Itoa(i))
	}
	const readers = 1000
	s := serve(t, h, healthcheck.ServerConfig{Addr: "127.0.0.1:0", MaxConns: readers})

	start := time.Now()
	reports := make([]string, readers)
	errs := make([]error, readers)
	var wg sync.WaitGroup
	for i := range readers {
		wg.Go(func() {
			conn, err := net.DialTimeout("tcp", s.Addr(), safety)
			if err != nil {
				errs[i] = err
				return
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(safety))
			b, err := io.ReadAll(conn)
			reports[i], errs[i] = string(b), err
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	for i := range readers {
		if errs[i] != nil {
			t.Fatalf("reader %d: %v", i, errs[i])
		}
		checkReport(t, reports[i], healthcheck.Good, want...)
	}
	// One run per CacheFor at most, plus the one in flight at the end.
	limit := int64(elapsed/(250*time.Millisecond)) + 2
	for i := range checks {
		if n := calls[i].Load(); n < 1 || n > limit {
			t.Errorf("check %d ran %d times for %d readers in %v; want 1..%d", i, n, readers, elapsed, limit)
		}
	}
	t.Logf("%d readers in %v; each check ran %d times", readers, elapsed.Round(time.Millisecond), calls[0].Load())
}

// TestServeBusy: the connection beyond MaxConns is told so at once, and
// the ones being served are not disturbed.
func TestServeBusy(t *testing.T) {
	h := newHealth(t, healthcheck.Config{Service: "alerts", Release: "v42", CheckTimeout: time.Minute})
	g := newGate(t)
	h.Register("gate", g.Check)
	s := serve(t, h, healthcheck.ServerConfig{Addr: "127.0.0.1:0", MaxConns: 2})

	// The server accepts in order, so when the third connection is
	// accepted the first two hold both slots: their report waits for the
	// gate.
	held := []net.Conn{dial(t, s.Addr()), dial(t, s.Addr())}
	<-g.started
	start := time.Now()
	if got, want := fetch(t, s.Addr()), "BUSY: 2 health connections are open; try again\n"; got != want {
		t.Errorf("third connection got %q, want %q", got, want)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the busy answer took %v", took)
	}

	g.Release()
	for _, conn := range held {
		checkReport(t, readAll(t, conn), healthcheck.Good, "GOOD gate: released")
	}
	if n := g.calls.Load(); n != 1 {
		t.Errorf("the check ran %d times", n)
	}
}

// TestServeSlowCheck: a check that hangs costs the reader the check
// timeout, not more.
func TestServeSlowCheck(t *testing.T) {
	const timeout = 300 * time.Millisecond
	h := newHealth(t, healthcheck.Config{Service: "alerts", Release: "v42", CheckTimeout: timeout})
	h.Register("fast", fixed(healthcheck.Result{Value: "ok"}, nil))
	h.Register("slow", newGate(t).Check)
	s := serve(t, h, healthcheck.ServerConfig{Addr: "127.0.0.1:0"})

	start := time.Now()
	report := fetch(t, s.Addr())
	took := time.Since(start)
	checkReport(t, report, healthcheck.Critical, "GOOD fast: ok", "CRITICAL slow: timed out after 300ms")
	if took < timeout || took > timeout+15*time.Second {
		t.Errorf("the report took %v with a check timeout of %v", took, timeout)
	}
	t.Logf("report with a hung check in %v (timeout %v)", took.Round(time.Millisecond), timeout)
}

func TestServePanickingCheck(t *testing.T) {
	h := newHealth(t, healthcheck.Config{Service: "alerts", Release: "v42"})
	h.Register("boom", func(context.Context) healthcheck.Result { panic(errors.New("kaboom")) })
	h.Register("after", fixed(healthcheck.Result{Value: "fine"}, nil))
	s := serve(t, h, healthcheck.ServerConfig{Addr: "127.0.0.1:0"})
	checkReport(t, fetch(t, s.Addr()), healthcheck.Critical, "CRITICAL boom: panic: kaboom", "GOOD after: fine")
}

func TestServeHostileCheck(t *testing.T) {
	h := newHealth(t, healthcheck.Config{Service: "alerts", Release: "v42"})
	for i, v := range hostile {
		h.Register(hostile[(i+3)%len(hostile)]+strconv.Itoa(i), fixed(healthcheck.Result{Value: v}, nil))
	}
	h.Register("last", fixed(healthcheck.Result{Value: "ok"}, nil))
	s := serve(t, h, healthcheck.ServerConfig{Addr: "127.0.0.1:0"})
	report := fetch(t, s.Addr())
	checkShape(t, report, len(hostile)+1)
	if ls := lines(t, report); ls[len(ls)-1] != "GOOD last: ok" {
		t.Errorf("last line %q", ls[len(ls)-1])
	}
}

// TestServeClientSends: a client that sends something (echo | nc) still
// gets the whole report: the server does not read it, but does not
// reset the connection over it either.
func TestServeClientSends(t *testing.T) {
	h := newHealth(t, healthcheck.Config{Service: "alerts", Release: "v42"})
	for i := range 200 {
		h.Register("check "+strconv.Itoa(i), fixed(healthcheck.Result{Value: strings.Repeat("v", 150)}, nil))
	}
	s := serve(t, h, healthcheck.ServerConfig{Addr: "127.0.0.1:0"})
	for _, input := range []string{"\n", "GET / HTTP/1.0\r\n\r\n", strings.Repeat("x", 16<<10)} {
		conn := dial(t, s.Addr())
		if _, err := io.WriteString(conn, input); err != nil {
			t.Fatal(err)
		}
		checkShape(t, readAll(t, conn), 200)
	}
}

// TestServeWriteTimeout: a client that connects and never reads is cut
// off at the write deadline. The report is larger than what the socket
// buffers hold, so the server's write blocks. A unix socket is used
// because its buffer is a fixed 200 KiB or so, where loopback TCP buffers
// grow to megabytes; the server's code is the same for both.
func TestServeWriteTimeout(t *testing.T) {
	const writeTimeout = 300 * time.Millisecond
	failures := make(chan string, 10)
	logger := slog.New(captureHandler{func(r slog.Record) {
		if strings.Contains(r.Message, "writing the report failed") {
			r.Attrs(func(a slog.Attr) bool {
				if a.Key == "error" {
					failures <- a.Value.String()
				}
				return true
			})
		}
	}})
	h := newHealth(t, healthcheck.Config{Service: "alerts", Release: "v42", Logger: logger, CacheFor: time.Hour})
	const checks = 2000
	for i := range checks {
		name := strconv.Itoa(i) + strings.Repeat("n", 190)
		h.Register(name, fixed(healthcheck.Result{Value: strings.Repeat("v", 190)}, nil))
	}
	full := text(t, h.Report(context.Background())) // cached for the server
	path := filepath.Join(t.TempDir(), "health.sock")
	s := serve(t, h, healthcheck.ServerConfig{Unix: path, WriteTimeout: writeTimeout})

	start := time.Now()
	conn := dial(t, s.Addr()) // and do not read
	select {
	case err := <-failures:
		if took := time.Since(start); took < writeTimeout {
			t.Errorf("cut after %v, before the write timeout %v", took, writeTimeout)
		} else {
			t.Logf("a client that does not read was cut after %v (WriteTimeout %v): %s", took.Round(time.Millisecond), writeTimeout, err)
		}
		if !strings.Contains(err, "timeout") {
			t.Errorf("the write failed with %q, want a timeout", err)
		}
	case <-time.After(safety):
		t.Fatalf("a client that does not read was not cut off within %v", safety)
	}
	got := readAll(t, conn) // what the socket held, then the end
	if len(got) >= len(full) || !strings.HasPrefix(full, got) {
		t.Errorf("the cut client read %d bytes of a %d-byte report", len(got), len(full))
	}

	// The slot is free again.
	checkShape(t, fetch(t, s.Addr()), checks)
}

// captureHandler passes every log record to f.
type captureHandler struct{ f func(slog.Record) }

func (captureHandler) Enabled(context.Context, slog.Level) bool { return true }
func (c captureHandler) Handle(_ context.Context, r slog.Record) error {
	c.f(r)
	return nil
}
func (c captureHandler) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c captureHandler) WithGroup(string) slog.Handler      { return c }

func TestServeRefusesRemote(t *testing.T) {
	h := newHealth(t, healthcheck.Config{})
	for _, host := range loopbacktest.Hosts {
		addr := host.Addr("0")
		s, err := h.Start(healthcheck.ServerConfig{Addr: addr})
		switch {
		case !host.Loopback && err == nil:
			s.Shutdown(context.Background())
			t.Errorf("Start(%q) listened without AllowRemote", addr)
		case !host.Loopback && (!errors.Is(err, healthcheck.ErrNotLoopback) || !strings.Contains(err.Error(), "AllowRemote")):
			t.Errorf("Start(%q): %v; want ErrNotLoopback, and the error to name AllowRemote", addr, err)
		case host.Loopback && errors.Is(err, healthcheck.ErrNotLoopback):
			t.Errorf("Start(%q): %v", addr, err)
		case host.Loopback && err != nil: // such as no IPv6 here
			t.Logf("Start(%q): %v (not available on this machine)", addr, err)
		case host.Loopback:
			s.Shutdown(context.Background())
		}
	}
	s, err := h.Start(healthcheck.ServerConfig{Addr: "0.0.0.0:0", AllowRemote: true})
	if err != nil {
		t.Fatalf("with AllowRemote: %v", err)
	}
	s.Shutdown(context.Background())
}

// TestServeDefaultAddr: a zero ServerConfig listens on 127.0.0.1:10001,
// the loopback interface only. When another process holds that port, the
// error shows the address Start tried, which is as good a proof.
func TestServeDefaultAddr(t *testing.T) {
	h := newHealth(t, healthcheck.Config{})
	s, err := h.Start(healthcheck.ServerConfig{})
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) && strings.Contains(err.Error(), "127.0.0.1:10001") {
			t.Logf("the default port is in use, and Start tried 127.0.0.1:10001: %v", err)
			return
		}
		t.Fatalf("Start with a zero ServerConfig: %v", err)
	}
	defer s.Shutdown(context.Background())
	if s.Addr() != "127.0.0.1:10001" {
		t.Errorf("a zero ServerConfig listens on %q, want 127.0.0.1:10001", s.Addr())
	}
}

func TestServeConfig(t *testing.T) {
	h := newHealth(t, healthcheck.Config{})
	_, err := h.Start(healthcheck.ServerConfig{Addr: "127.0.0.1:0", MaxConns: -1, WriteTimeout: -time.Second})
	if err == nil || !strings.Contains(err.Error(), "MaxConns is -1") || !strings.Contains(err.Error(), "WriteTimeout is -1s") {
		t.Errorf("invalid config: %v", err)
	}
	if _, err := h.Start(healthcheck.ServerConfig{Addr: "no port"}); err == nil {
		t.Error("Start accepted an address without a port")
	}
	taken := serve(t, h, healthcheck.ServerConfig{Addr: "127.0.0.1:0"})
	if _, err := h.Start(healthcheck.ServerConfig{Addr: taken.Addr()}); err == nil {
		t.Error("Start listened on a port in use")
	}
	// When the unix socket fails, the TCP listener is closed again: its
	// port can be bound at once.
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := free.Addr().String()
	free.Close()
	_, err = h.Start(healthcheck.ServerConfig{Addr: addr, Unix: filepath.Join(t.TempDir(), "no", "such", "dir.sock")})
	if err == nil {
		t.Fatal("Start listened on a unix socket in a missing directory")
	}
	again, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the TCP listener of a failed Start is still open: %v", err)
	}
	again.Close()
}

// TestServerShutdown: Shutdown cuts short the reports in progress, waits
// for every connection, and leaves no goroutine behind.
func TestServerShutdown(t *testing.T) {
	h := newHealth(t, healthcheck.Config{Service: "alerts", Release: "v42", CheckTimeout: time.Minute})
	g := newGate(t)
	h.Register("gate", g.Check)
	path := filepath.Join(t.TempDir(), "health.sock")
	s, err := h.Start(healthcheck.ServerConfig{Addr: "127.0.0.1:0", Unix: path, MaxConns: 2, WriteTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// Two connections wait for the report; the third is turned away, which
	// shows that the first two were accepted (see TestServeBusy).
	waiting := []net.Conn{dial(t, s.Addr()), dial(t, s.Addr())}
	if got := fetch(t, s.Addr()); !strings.HasPrefix(got, "BUSY") {
		t.Fatalf("third connection got %q", got)
	}

	start := time.Now()
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Shutdown took %v with WriteTimeout 1s", took)
	}
	// A goroutine that has signalled its end may still be returning, so
	// give the stragglers a moment, as goleak does; none may be blocked.
	if gs := testkit.WaitGoroutines(5*time.Second, serverFrames...); len(gs) > 0 {
		t.Errorf("%d server goroutines outlived Shutdown:\n%s", len(gs), strings.Join(gs, "\n\n"))
	}
	for _, conn := range waiting {
		checkReport(t, readAll(t, conn), healthcheck.Critical, "CRITICAL report: not finished: the health server is closing")
	}
	if err := s.Shutdown(context.Background()); !errors.Is(err, healthcheck.ErrShutdown) {
		t.Errorf("second Shutdown: %v, want ErrShutdown", err)
	}
	if conn, err := net.Dial("tcp", s.Addr()); err == nil {
		conn.Close()
		t.Error("the server still accepts connections after Shutdown")
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the socket file is still there after Shutdown: %v", err)
	}

	// The report that was in flight ends once its check returns.
	g.Release()
	if gs := testkit.WaitGoroutines(safety, "vitals/healthcheck."); len(gs) > 0 {
		t.Errorf("%d goroutines outlived the check:\n%s", len(gs), strings.Join(gs, "\n\n"))
	}
	t.Logf("Shutdown took %v", time.Since(start).Round(time.Millisecond))
}

// TestServerShutdownContextEnds: when Shutdown's context ends before the
// connections being served are written to, Shutdown closes them then, not
// at WriteTimeout, and says so with the context's error. Without
// connections, an ended context is no error.
func TestServerShutdownContextEnds(t *testing.T) {
	h, _ := bigHealth(t, nil)
	path := filepath.Join(t.TempDir(), "health.sock")
	s, err := h.Start(healthcheck.ServerConfig{Unix: path, WriteTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	dial(t, s.Addr()) // and do not read: the report is larger than the socket holds
	testkit.Poll(t, safety, "the handler to block writing", func() bool { return blockedWriters() == 1 })

	const wait = 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	start := time.Now()
	err = s.Shutdown(ctx)
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "1 connections were being served") {
		t.Errorf("Shutdown: %v; want context.DeadlineExceeded and the connection it closed", err)
	}
	if took < wait || took > safety {
		t.Errorf("Shutdown took %v with a context of %v and a WriteTimeout of a minute", took, wait)
	}
	if gs := testkit.WaitGoroutines(5*time.Second, serverFrames...); len(gs) > 0 {
		t.Errorf("%d server goroutines outlived Shutdown:\n%s", len(gs), strings.Join(gs, "\n\n"))
	}
	if err := s.Shutdown(ctx); !errors.Is(err, healthcheck.ErrShutdown) {
		t.Errorf("second Shutdown: %v, want ErrShutdown", err)
	}

	idle := serve(t, h, healthcheck.ServerConfig{Addr: "127.0.0.1:0"})
	if err := idle.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown of a server without connections, with an ended context: %v", err)
	}
}
