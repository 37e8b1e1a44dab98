package httpmetrics_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vitals-go/vitals/httpmetrics"
	"github.com/vitals-go/vitals/internal/testkit"
)

func TestFlusherPassthrough(t *testing.T) {
	m, reg := newMiddleware(t, httpmetrics.Config{})
	proceed := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		f, ok := w.(http.Flusher)
		if !ok {
			http.Error(w, "no Flusher", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "first\n")
		f.Flush()
		select { // the client reads "first" before we go on: only a real flush gets it there
		case <-proceed:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "second\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("ResponseController.Flush: %v", err)
		}
	})
	srv := serve(t, m.Wrap(mux), nil)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/stream", nil)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if line, err := br.ReadString('\n'); line != "first\n" {
		t.Fatalf("first chunk %q, %v; want %q before the handler returns", line, err, "first\n")
	}
	close(proceed)
	if rest, err := io.ReadAll(br); string(rest) != "second\n" || err != nil {
		t.Fatalf("rest %q, %v", rest, err)
	}
	srv.Close()
	wantCounts(t, reg, map[string]int64{"GET|GET /stream|2xx": 1})
}

func TestHijackerPassthrough(t *testing.T) {
	m, reg := newMiddleware(t, httpmetrics.Config{})
	writeAfter := make(chan error, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /raw", func(w http.ResponseWriter, r *http.Request) {
		h, ok := w.(http.Hijacker)
		if !ok {
			http.Error(w, "no Hijacker", http.StatusInternalServerError)
			return
		}
		conn, brw, err := h.Hijack()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nraw")
		brw.Flush()
		_, err = w.Write([]byte("late")) // net/http refuses it; the record must not change
		writeAfter <- err
	})
	srv := serve(t, m.Wrap(mux), nil)
	if status, body := do(t, srv, "GET", "/raw"); status != 200 || body != "raw" {
		t.Fatalf("got %d %q, want the hijacked connection's 200 \"raw\"", status, body)
	}
	if err := <-writeAfter; !errors.Is(err, http.ErrHijacked) {
		t.Errorf("Write after Hijack: %v, want http.ErrHijacked", err)
	}
	// A hijacked connection is not a request the server waits for: poll.
	testkit.Poll(t, 10*time.Second, "the hijacked request's record", func() bool { return counts(t, reg)["GET|GET /raw|hijacked"] == 1 })
	wantCounts(t, reg, map[string]int64{"GET|GET /raw|hijacked": 1})
}

func TestHijackNotSupportedOnHTTP2(t *testing.T) {
	m, reg := newMiddleware(t, httpmetrics.Config{})
	hijackErr := make(chan error, 1)
	srv := httptest.NewUnstartedServer(m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _, err := w.(http.Hijacker).Hijack()
		hijackErr <- err
		w.WriteHeader(http.StatusNoContent)
	})))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("got %s %d, want HTTP/2 204", resp.Proto, resp.StatusCode)
	}
	if err := <-hijackErr; !errors.Is(err, http.ErrNotSupported) {
		t.Errorf("Hijack on HTTP/2: %v, want http.ErrNotSupported", err)
	}
	srv.Close()
	wantCounts(t, reg, map[string]int64{"GET|unmatched|2xx": 1})
}

// readFromSpy sits between the server and the middleware and counts the
// ReadFrom calls that reach the server's writer.
type readFromSpy struct {
	http.ResponseWriter
	calls *atomic.Int64
}

func (s readFromSpy) ReadFrom(src io.Reader) (int64, error) {
	s.calls.Add(1)
	return s.ResponseWriter.(io.ReaderFrom).ReadFrom(src)
}

// plainWriter hides every optional method of the server's writer.
type plainWriter struct{ http.ResponseWriter }

func TestReaderFromPassthrough(t *testing.T) {
	content := strings.Repeat("0123456789abcdef", 64<<10) // 1 MiB
	path := filepath.Join(t.TempDir(), "blob")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /blob", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(io.ReaderFrom); !ok {
			http.Error(w, "no ReaderFrom", http.StatusInternalServerError)
			return
		}
		http.ServeFile(w, r, path) // io.CopyN: ReadFrom, then sendfile in net/http
	})

	t.Run("to the server's ReadFrom", func(t *testing.T) {
		m, reg := newMiddleware(t, httpmetrics.Config{})
		var calls atomic.Int64
		srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m.Wrap(mux).ServeHTTP(readFromSpy{w, &calls}, r)
		}), nil)
		if status, body := do(t, srv, "GET", "/blob"); status != 200 || body != content {
			t.Fatalf("status %d, %d bytes; want 200 and the file's %d bytes", status, len(body), len(content))
		}
		srv.Close()
		if calls.Load() != 1 {
			t.Errorf("the server's ReadFrom was called %d times, want 1", calls.Load())
		}
		wantCounts(t, reg, map[string]int64{"GET|GET /blob|2xx": 1})
	})

	t.Run("to Write when the server's writer has none", func(t *testing.T) {
		m, reg := newMiddleware(t, httpmetrics.Config{})
		srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m.Wrap(mux).ServeHTTP(plainWriter{w}, r)
		}), nil)
		if status, body := do(t, srv, "GET", "/blob"); status != 200 || body != content {
			t.Fatalf("status %d, %d bytes; want 200 and the file's %d bytes", status, len(body), len(content))
		}
		srv.Close()
		wantCounts(t, reg, map[string]int64{"GET|GET /blob|2xx": 1})
	})
}

func TestResponseControllerUnwrap(t *testing.T) {
	m, reg := newMiddleware(t, httpmetrics.Config{})
	errs := make(chan error, 3)
	srv := serve(t, m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		errs <- rc.SetWriteDeadline(time.Now().Add(time.Minute))
		errs <- rc.SetReadDeadline(time.Now().Add(time.Minute))
		errs <- rc.EnableFullDuplex()
		w.WriteHeader(http.StatusAccepted)
	})), nil)
	if status, _ := do(t, srv, "POST", "/"); status != http.StatusAccepted {
		t.Fatalf("status %d", status)
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Errorf("ResponseController through the middleware: %v", err)
		}
	}
	srv.Close()
	wantCounts(t, reg, map[string]int64{"POST|unmatched|2xx": 1})
}

func TestFlushNotSupported(t *testing.T) {
	m, reg := newMiddleware(t, httpmetrics.Config{})
	flushErr := make(chan error, 1)
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.(http.Flusher).Flush() // does nothing, and records nothing
			flushErr <- http.NewResponseController(w).Flush()
			w.WriteHeader(http.StatusNotModified)
		})).ServeHTTP(plainWriter{w}, r)
	}), nil)
	if status, _ := do(t, srv, "GET", "/"); status != http.StatusNotModified {
		t.Fatalf("status %d", status)
	}
	if err := <-flushErr; !errors.Is(err, http.ErrNotSupported) {
		t.Errorf("ResponseController.Flush: %v, want http.ErrNotSupported", err)
	}
	srv.Close()
	wantCounts(t, reg, map[string]int64{"GET|unmatched|3xx": 1})
}
