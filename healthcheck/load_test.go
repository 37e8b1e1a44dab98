package healthcheck_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vitals-go/vitals/healthcheck"
	"github.com/vitals-go/vitals/internal/testkit"
)

// Load on the health socket: many readers at once, clients that never read,
// and more clients than MaxConns. The tests that need a client's socket
// buffers to fill use the unix socket, whose buffers hold a fixed 200 KiB or
// so: loopback TCP buffers grow to several megabytes (tcp_wmem), and a
// report that large takes over 10,000 checks, which take seconds to register
// under the race detector. The server's code is the same for both.

// TestLoadManyConnections: 5,000 connections, 200 at a time, each get the
// whole, correct report.
func TestLoadManyConnections(t *testing.T) {
	const (
		total   = 5000
		readers = 200
		checks  = 20
	)
	h := newHealth(t, healthcheck.Config{Service: "alerts", Release: "v42"}) // CacheFor: 250ms
	var want []string
	for i := range checks {
		name := "check " + strconv.Itoa(i)
		value := strconv.Itoa(i) + strings.Repeat("v", i*10)
		h.Register(name, fixed(healthcheck.Result{Value: value}, nil))
		want = append(want, "GOOD "+name+": "+value)
	}
	// A handler frees its slot when it sees the client close, which may be
	// after that client's next connection arrives; twice the readers leaves
	// room for that, so that no reader is turned away as busy.
	s := serve(t, h, healthcheck.ServerConfig{Addr: "127.0.0.1:0", MaxConns: 2 * readers})

	var (
		next, got atomic.Int64
		mu        sync.Mutex
		reports   = map[string]int{} // distinct reports (the uptime changes) and how many got each
		errs      []string
	)
	start := time.Now()
	var wg sync.WaitGroup
	for range readers {
		wg.Go(func() {
			for i := next.Add(1); i <= total; i = next.Add(1) {
				report, err := fetchOnce(s.Addr())
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Sprintf("connection %d: %v (after %q)", i, err, report))
				} else {
					reports[report]++
					got.Add(1)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	if len(errs) > 0 {
		t.Fatalf("%d of %d connections failed; the first: %s", len(errs), total, errs[0])
	}
	if n := got.Load(); n != total {
		t.Fatalf("%d reports for %d connections", n, total)
	}
	sum := 0
	for report, n := range reports {
		checkReport(t, report, healthcheck.Good, want...)
		sum += n
	}
	if sum != total {
		t.Errorf("the distinct reports add up to %d, want %d", sum, total)
	}
	t.Logf("%d connections, %d at a time, in %v (%.0f/s); %d distinct reports",
		total, readers, elapsed.Round(time.Millisecond), total/elapsed.Seconds(), len(reports))
}

// fetchOnce connects to addr and reads until the server closes the
// connection. Unlike fetch, it may be called from any goroutine.
func fetchOnce(addr string) (string, error) {
	conn, err := net.DialTimeout(network(addr), addr, safety)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(safety))
	b, err := io.ReadAll(conn)
	return string(b), err
}

// TestLoadClientsThatNeverRead: clients that connect and never read are
// cut at the write deadline, while clients that read, over TCP and the
// unix socket, are served meanwhile; then nothing of them is left.
func TestLoadClientsThatNeverRead(t *testing.T) {
	const (
		writeTimeout = 2 * time.Second
		stuck        = 5
		// slack bounds how long after the write deadline a connection may
		// stay open: the report is built before the first client comes, so
		// this is scheduling and nothing else.
		slack = 5 * time.Second
	)
	failures := make(chan time.Time, 2*stuck)
	var errs sync.Map // error text of each failed write
	logger := slog.New(captureHandler{func(r slog.Record) {
		if strings.Contains(r.Message, "writing the report failed") {
			r.Attrs(func(a slog.Attr) bool {
				if a.Key == "error" {
					errs.Store(a.Value.String(), true)
				}
				return true
			})
			failures <- time.Now()
		}
	}})
	h, full := bigHealth(t, logger)
	path := filepath.Join(t.TempDir(), "health.sock")
	s := serve(t, h, healthcheck.ServerConfig{Addr: "127.0.0.1:0", Unix: path, WriteTimeout: writeTimeout})
	start := time.Now()
	var conns []net.Conn
	for range stuck {
		conns = append(conns, dial(t, path)) // and do not read
	}
	testkit.Poll(t, safety, fmt.Sprintf("%d handlers blocked writing to clients that do not read", stuck), func() bool {
		return blockedWriters() == stuck
	})

	// Meanwhile, clients that read get the whole report.
	for _, addr := range []string{s.Addr(), path, s.Addr(), path} {
		if got := fetch(t, addr); got != full {
			t.Fatalf("a reader over %s got %d bytes of a %d-byte report while others were stuck", network(addr), len(got), len(full))
		}
	}
	select {
	case <-failures:
		t.Fatalf("a stuck client was cut before the readers were served (%v after connecting, WriteTimeout %v)",
			time.Since(start), writeTimeout)
	default:
	}
	if n := blockedWriters(); n != stuck {
		t.Errorf("%d handlers blocked after the readers were served, want %d still", n, stuck)
	}

	// The stuck ones are cut at the deadline: each write fails with a
	// timeout, and the server closes the connection.
	for i := range stuck {
		select {
		case at := <-failures:
			took := at.Sub(start)
			if took < writeTimeout || took > writeTimeout+slack {
				t.Errorf("stuck client %d was cut %v after connecting; want between WriteTimeout (%v) and %v later",
					i, took.Round(time.Millisecond), writeTimeout, slack)
			}
		case <-time.After(safety):
			t.Fatalf("%d of %d clients that do not read were not cut within %v", stuck-i, stuck, safety)
		}
	}
	errs.Range(func(err, _ any) bool {
		if !strings.Contains(err.(string), "timeout") {
			t.Errorf("a write failed with %q, want a timeout", err)
		}
		return true
	})
	for i, conn := range conns {
		got := readAll(t, conn) // what the socket held, then the end
		if len(got) >= len(full) || !strings.HasPrefix(full, got) {
			t.Errorf("stuck client %d read %d bytes of a %d-byte report; want a part of it, then the end", i, len(got), len(full))
		}
	}
	if gs := testkit.WaitGoroutines(safety, "healthcheck.(*Server).serve"); len(gs) > 0 {
		t.Errorf("%d handlers are left:\n%s", len(gs), strings.Join(gs, "\n\n"))
	}
	if got := fetch(t, s.Addr()); got != full {
		t.Errorf("after the cut, a reader got %d bytes of a %d-byte report", len(got), len(full))
	}
	t.Logf("%d clients that do not read were cut after %v (WriteTimeout %v)",
		stuck, time.Since(start).Round(time.Millisecond), writeTimeout)
}

// TestLoadConnectionLimit: with MaxConns N, of N+k clients that connect and
// do not read, N are served and k get the busy line and are closed at once,
// as ServerConfig.MaxConns documents; the limit counts TCP and the unix
// socket together; and when the N go away, their slots are free again.
func TestLoadConnectionLimit(t *testing.T) {
	const (
		maxConns = 4
		extra    = 3
		// writeTimeout is longer than the test: only clients going away
		// free the slots.
		writeTimeout = time.Minute
	)
	h, full := bigHealth(t, nil)
	header, _, _ := strings.Cut(full, "\n")
	busy := "BUSY: " + strconv.Itoa(maxConns) + " health connections are open; try again\n"
	path := filepath.Join(t.TempDir(), "health.sock")
	s := serve(t, h, healthcheck.ServerConfig{Addr: "127.0.0.1:0", Unix: path, MaxConns: maxConns, WriteTimeout: writeTimeout})
	conns := make([]net.Conn, maxConns+extra)
	for i := range conns {
		conns[i] = dial(t, path) // and do not read
	}
	// Which ones got a slot does not matter: the first line tells. Reading
	// it leaves the rest of a report in the socket, so its handler stays
	// blocked.
	var held []net.Conn
	turnedAway := 0
	for i, conn := range conns {
		switch line := readLine(t, conn); line {
		case header + "\n":
			held = append(held, conn)
		case busy:
			start := time.Now()
			if rest := readAll(t, conn); rest != "" {
				t.Errorf("client %d got more after the busy line: %q", i, rest)
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("client %d waited %v for the end after the busy line", i, took)
			}
			turnedAway++
		default:
			t.Fatalf("client %d got %q, want the report's header or %q", i, line, busy)
		}
	}
	if len(held) != maxConns || turnedAway != extra {
		t.Fatalf("of %d clients, %d were served and %d turned away; want %d and %d",
			len(conns), len(held), turnedAway, maxConns, extra)
	}
	testkit.Poll(t, safety, fmt.Sprintf("%d handlers blocked writing", maxConns), func() bool { return blockedWriters() == maxConns })
	if gs := testkit.Goroutines("healthcheck.(*Server).serve"); len(gs) != maxConns {
		t.Errorf("%d handlers running with MaxConns %d", len(gs), maxConns)
	}
	// While they are held, a newcomer over TCP is turned away too.
	if got := fetch(t, s.Addr()); got != busy {
		t.Errorf("a TCP client while the unix socket held every slot got %q, want %q", got, busy)
	}

	// They go away: the writes to them fail at once, long before the
	// WriteTimeout, and the slots are free.
	start := time.Now()
	for _, conn := range held {
		conn.Close()
	}
	if gs := testkit.WaitGoroutines(safety, "healthcheck.(*Server).serve"); len(gs) > 0 {
		t.Fatalf("%d handlers are left after their clients went away:\n%s", len(gs), strings.Join(gs, "\n\n"))
	}
	recovered := time.Since(start)
	// Every slot: MaxConns clients at once, and none is turned away.
	again := make([]net.Conn, maxConns)
	for i := range again {
		again[i] = dial(t, s.Addr())
	}
	for i, conn := range again {
		if got := readAll(t, conn); got != full {
			t.Errorf("after recovery, client %d got %d bytes (%.40q...) of a %d-byte report", i, len(got), got, len(full))
		}
	}
	t.Logf("%d held clients went away; their slots were free after %v", maxConns, recovered.Round(time.Millisecond))
}

// bigHealth returns a Health whose report is larger than what a unix
// socket's buffers hold, built and cached for an hour, and its text.
func bigHealth(t *testing.T, logger *slog.Logger) (*healthcheck.Health, string) {
	t.Helper()
	const checks = 2000 // 400 bytes each: 800 KB
	h := newHealth(t, healthcheck.Config{Service: "alerts", Release: "v42", Logger: logger, CacheFor: time.Hour})
	name, value := strings.Repeat("n", 190), strings.Repeat("v", 190)
	for i := range checks {
		h.Register(fmt.Sprintf("%04d", i)+name, fixed(healthcheck.Result{Value: value}, nil))
	}
	return h, text(t, h.Report(context.Background())) // cached for the server
}

// blockedWriters counts the server's handlers that are waiting for room in
// a client's socket buffers.
func blockedWriters() int {
	n := 0
	for _, g := range testkit.Goroutines("healthcheck.(*Server).serve") {
		if strings.Contains(g, "internal/poll.(*pollDesc).waitWrite") {
			n++
		}
	}
	return n
}

// readLine reads one line, byte by byte so as to take nothing more from
// the connection.
func readLine(t *testing.T, conn net.Conn) string {
	t.Helper()
	var b []byte
	one := make([]byte, 1)
	for {
		if _, err := io.ReadFull(conn, one); err != nil {
			t.Fatalf("reading a line: %v (after %q)", err, b)
		}
		b = append(b, one[0])
		if one[0] == '\n' {
			return string(b)
		}
	}
}
