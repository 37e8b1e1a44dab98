package opentsdb

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

// maxHealthError is the room an error has on the health socket's line.
const maxHealthError = 200

// deadAddr returns a 127.0.0.1 address nobody listens on.
func deadAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// checkFailure checks that err is a transient failure of no more than
// maxHealthError bytes that starts with want.
func checkFailure(t testing.TB, err error, want string) {
	t.Helper()
	switch {
	case err == nil || errors.Is(err, exporters.ErrRejected):
		t.Fatalf("Export = %v, want a transient error", err)
	case !strings.HasPrefix(err.Error(), want):
		t.Errorf("Export = %q,\nwant it to start with %q", err, want)
	case len(err.Error()) > maxHealthError:
		t.Errorf("Export = %q: %d bytes, more than a health line holds", err, len(err.Error()))
	}
}

// TestDeadBackendErrors: with nothing listening, Export fails at once with
// an error that starts with the cause.
func TestDeadBackendErrors(t *testing.T) {
	addr := deadAddr(t)
	cases := []struct{ url, want string }{
		{"http://" + addr, "opentsdb: connection refused (POST http://" + addr + "/api/put)"},
		{"http://" + addr + "/api/put", "opentsdb: connection refused (POST http://" + addr + "/api/put)"},
		{"https://" + addr + "/otsdb/", "opentsdb: connection refused (POST https://" + addr + "/otsdb/api/put)"},
		{"tcp://" + addr, "opentsdb: connection refused (telnet " + addr + ")"},
	}
	for _, tc := range cases {
		e := newExporter(t, Config{URL: tc.url})
		start := time.Now()
		err := e.Export(context.Background(), manyGauges(100))
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%s: Export took %v", tc.url, took)
		}
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: Export = %v,\nwant %s", tc.url, err, tc.want)
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("%s: Export = %v, want it to wrap ECONNREFUSED", tc.url, err)
		}
	}
}

// TestUnresolvableHostError: a host name that does not resolve says so.
func TestUnresolvableHostError(t *testing.T) {
	for _, url := range []string{"http://vitals-no-such-host.invalid:4242", "tcp://vitals-no-such-host.invalid:4242"} {
		e := newExporter(t, Config{URL: url, Timeout: 5 * time.Second})
		err := e.Export(context.Background(), manyGauges(3))
		checkFailure(t, err, `opentsdb: cannot resolve "vitals-no-such-host.invalid": `)
		t.Log(err)
		var dnsErr *net.DNSError
		if !errors.As(err, &dnsErr) {
			t.Errorf("%s: Export = %v, want a *net.DNSError inside", url, err)
		}
	}
}

// TestHungBackendErrors: against a server that accepts connections and
// then neither answers nor reads, Export gives up after Config.Timeout, or
// as soon as its context ends, and says which.
func TestHungBackendErrors(t *testing.T) {
	const (
		timeout = 300 * time.Millisecond
		ctxWait = 200 * time.Millisecond
		slack   = 2 * time.Second
	)
	addr := hangingListener(t, true).Addr().String()
	big := manyGauges(100000) // more than the socket buffers hold
	cases := []struct {
		name    string
		url     string
		timeout time.Duration
		ctx     time.Duration // 0: none
		want    string
	}{
		{"http timeout", "http://" + addr, timeout, 0,
			"opentsdb: no answer within 300ms (POST http://" + addr + "/api/put)"},
		{"http context", "http://" + addr, time.Minute, ctxWait,
			"opentsdb: Export's context ended: context deadline exceeded (POST http://" + addr + "/api/put)"},
		{"telnet timeout", "tcp://" + addr, timeout, 0,
			"opentsdb: the server did not take the lines within 300ms (telnet " + addr + ")"},
		{"telnet context", "tcp://" + addr, time.Minute, ctxWait,
			"opentsdb: Export's context ended: context deadline exceeded (telnet " + addr + ")"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newExporter(t, Config{URL: tc.url, Timeout: tc.timeout, Parallelism: 2})
			ctx := context.Background()
			bound := tc.timeout
			if tc.ctx > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctx)
				defer cancel()
				bound = tc.ctx
			}
			start := time.Now()
			err := e.Export(ctx, big)
			took := time.Since(start)
			checkFailure(t, err, tc.want)
			if took > bound+slack {
				t.Errorf("Export took %v, bound %v", took, bound)
			}
			if tc.ctx > 0 && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Export = %v, want it to wrap context.DeadlineExceeded", err)
			}
			if tc.ctx == 0 && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("Export = %v, want it to wrap a deadline error", err)
			}
			t.Logf("after %v: %v", took, err)
		})
	}
}

// TestExportEndedContext: Export with a context that has already ended
// sends nothing and says why.
func TestExportEndedContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, url := range []string{"http://" + deadAddr(t), "tcp://" + deadAddr(t)} {
		e := newExporter(t, Config{URL: url})
		err := e.Export(ctx, manyGauges(3))
		if want := "opentsdb: Export's context had ended: context canceled"; err == nil || err.Error() != want || !errors.Is(err, context.Canceled) {
			t.Errorf("%s: Export = %v, want %s", url, err, want)
		}
	}
}

// TestShutdownInterruptsExport: a Shutdown whose context ends while an
// Export hangs on the backend interrupts that Export, closes the exporter,
// and both return promptly; no goroutine is left.
func TestShutdownInterruptsExport(t *testing.T) {
	addr := hangingListener(t, true).Addr().String()
	for _, url := range []string{"http://" + addr, "tcp://" + addr} {
		t.Run(url[:strings.Index(url, ":")], func(t *testing.T) {
			before := runtime.NumGoroutine()
			e, err := New(Config{URL: url, Timeout: time.Minute, Logger: testLogger(t)})
			if err != nil {
				t.Fatal(err)
			}
			exported := make(chan error)
			go func() { exported <- e.Export(context.Background(), manyGauges(100000)) }()
			waitHeld(t, e)

			const wait = 100 * time.Millisecond
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			start := time.Now()
			err = e.Shutdown(ctx)
			took := time.Since(start)
			if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "opentsdb: Shutdown's context ended during an Export, which it interrupted") {
				t.Errorf("Shutdown = %v, want its context's error", err)
			}
			if took > wait+2*time.Second {
				t.Errorf("Shutdown took %v with a context of %v", took, wait)
			}
			select {
			case err := <-exported:
				want := "opentsdb: interrupted by Shutdown, whose context ended (" + strings.Replace(url, "tcp://", "telnet ", 1)
				if url[0] == 'h' {
					want = "opentsdb: interrupted by Shutdown, whose context ended (POST " + url + "/api/put)"
				}
				checkFailure(t, err, want)
			case <-time.After(5 * time.Second): // it has released e; only its return is left
				t.Fatal("Export still running 5s after Shutdown returned")
			}
			if err := e.Shutdown(context.Background()); !errors.Is(err, exporters.ErrShutdown) {
				t.Errorf("second Shutdown = %v, want ErrShutdown", err)
			}
			if err := e.Export(context.Background(), manyGauges(3)); !errors.Is(err, exporters.ErrShutdown) {
				t.Errorf("Export after Shutdown = %v, want ErrShutdown", err)
			}
			waitGoroutines(t, before)
		})
	}
}

// TestShutdownEndedContext: with no Export running, Shutdown closes the
// exporter even if its context has already ended, as the Reporter's does
// after giving up on a dead backend.
func TestShutdownEndedContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, url := range []string{"http://" + deadAddr(t), "tcp://" + deadAddr(t)} {
		e, err := New(Config{URL: url, Logger: discardLogger})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Export(context.Background(), manyGauges(3)); err == nil {
			t.Fatalf("%s: Export to a dead backend succeeded", url)
		}
		if err := e.Shutdown(ctx); err != nil {
			t.Errorf("%s: Shutdown = %v", url, err)
		}
		if err := e.Export(context.Background(), metrics.Snapshot{}); !errors.Is(err, exporters.ErrShutdown) {
			t.Errorf("%s: Export after Shutdown = %v, want ErrShutdown", url, err)
		}
	}
}

// waitHeld waits until an Export holds e.
func waitHeld(t testing.TB, e *Exporter) {
	t.Helper()
	testkit.Poll(t, 10*time.Second, "the Export to start", func() bool { return len(e.lock) > 0 })
}

// TestShutdownContract: the Exporter keeps the Shutdown contract of
// exporters.Exporter, interrupting an Export that waits for the TSD.
func TestShutdownContract(t *testing.T) {
	stuck := func(t *testing.T) testkit.StuckExport {
		answer := make(chan struct{})
		tsd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			select {
			case <-answer:
				w.WriteHeader(http.StatusNoContent) // stored
			case <-r.Context().Done():
			}
		}))
		t.Cleanup(tsd.Close)
		release := sync.OnceFunc(func() { close(answer) })
		t.Cleanup(release) // before tsd.Close, which waits for the handlers
		e := newExporter(t, Config{URL: tsd.URL, Timeout: time.Minute})
		done := make(chan error, 1)
		go func() { done <- e.Export(context.Background(), manyGauges(3)) }()
		waitHeld(t, e)
		return testkit.StuckExport{Exporter: e, Done: done, Release: release}
	}
	idle := func(t *testing.T) exporters.Exporter { return newExporter(t, Config{URL: "http://" + deadAddr(t)}) }
	testkit.CheckShutdown(t, stuck, idle, manyGauges(3))
}
