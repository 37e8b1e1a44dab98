package pprofserver_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/pprofserver"
)

// serverFrames find the goroutines that belong to a server: its Serve
// loop, its connections, its handlers, a profile writer.
var serverFrames = []string{
	"net/http.(*Server).Serve",
	"net/http.(*conn).serve",
	"vitals/pprofserver.", // not pprofserver_test.
	"runtime/pprof.profileWriter",
}

// TestMain fails the run if any goroutine of a Server, or any HTTP
// connection it served, outlives the tests.
func TestMain(m *testing.M) {
	os.Exit(testkit.MainLeakCheck(m, 5*time.Second, serverFrames...))
}

// quiet is a logger for tests that do not look at logs.
var quiet = slog.New(slog.DiscardHandler)

// start starts a server on a free loopback port and shuts it down at the
// end of the test.
func start(t *testing.T, cfg pprofserver.Config) *pprofserver.Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	s, err := pprofserver.Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil && !errors.Is(err, pprofserver.ErrShutdown) {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return s
}

// newClient returns a client whose idle connections are closed at the end
// of the test, so that they do not count as leaks.
func newClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 45 * time.Second}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// get fetches url and reads the whole body.
func get(t *testing.T, c *http.Client, url string) response {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", url, err)
	}
	return response{resp.StatusCode, resp.Header, body}
}

// serve runs one request through Handler(cfg), without a network.
func serve(cfg pprofserver.Config, method, target string, body io.Reader) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	pprofserver.Handler(cfg).ServeHTTP(rec, httptest.NewRequest(method, target, body))
	return rec
}
