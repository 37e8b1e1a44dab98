package livepage

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

// TestMain fails the run if a stream or a connection outlives the tests.
func TestMain(m *testing.M) {
	os.Exit(testkit.MainLeakCheck(m, 5*time.Second, "vitals/livepage.(*Page)", "net/http.(*conn).serve"))
}

// events is a client of api/events.
type events struct {
	resp *http.Response
	r    *bufio.Reader
}

// openEvents opens api/events at url and reads the comment that opens the
// stream.
func openEvents(t *testing.T, c *http.Client, url string) *events {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %s", url, resp.Status, body)
	}
	e := &events{resp: resp, r: bufio.NewReader(resp.Body)}
	if name, _ := e.next(t); name != ": vitals live updates" {
		t.Fatalf("the stream opens with %q", name)
	}
	return e
}

// next reads one event: its name and data, or a comment as its line.
func (e *events) next(t *testing.T) (name, data string) {
	t.Helper()
	for {
		line, err := e.r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the stream: %v", err)
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "" && (name != "" || data != ""):
			return name, data
		case strings.HasPrefix(line, ":"):
			name = line
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data += strings.TrimPrefix(line, "data: ")
		}
	}
}

// newClient returns a client whose connections are closed at the end of
// the test.
func newClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// TestEventsUpdate checks that a stream sends a snapshot taken after it
// opened, and only that.
func TestEventsUpdate(t *testing.T) {
	s := newSnapper(t)
	g := s.reg.Gauge("g", metrics.Tags{"k": "v"})
	p := newPage(t, Config{})
	g.Update(1)
	p.Observe(s.at(t0))
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close) // runs after the streams are closed: Close waits for them
	c := newClient(t)

	e := openEvents(t, c, srv.URL+"/api/events?since=1")
	g.Update(7)
	p.Observe(s.at(t0.Add(10 * time.Second)))
	name, data := e.next(t)
	if name != "update" {
		t.Fatalf("event %q, want update", name)
	}
	st := decodeState(t, strings.NewReader(data))
	if st.Seq != 2 || st.Full || len(st.Times) != 1 || st.Times[0] != t0.UnixMilli()+10_000 || len(st.Series) != 1 {
		t.Fatalf("update: %+v", st)
	}
	if v := st.line(t, "g{k=v}", "value"); len(v) != 1 || *v[0] != 7 {
		t.Errorf("update's value %v, want [7]", derefAll(v))
	}

	// Without since, nothing is replayed; with an old one, what followed is
	// sent at once.
	e = openEvents(t, c, srv.URL+"/api/events")
	p.Observe(s.at(t0.Add(20 * time.Second)))
	if _, data := e.next(t); decodeState(t, strings.NewReader(data)).Seq != 3 {
		t.Errorf("without since: %s", data)
	}
	e = openEvents(t, c, srv.URL+"/api/events?since=1")
	if _, data := e.next(t); len(decodeState(t, strings.NewReader(data)).Times) != 2 {
		t.Errorf("since=1 at seq 3: %s, want the 2 snapshots after 1", data)
	}

	resp, err := c.Get(srv.URL + "/api/events?since=x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("since=x: %s", resp.Status)
	}
}

// TestEventsLimit checks that a fifth stream is refused until one closes.
func TestEventsLimit(t *testing.T) {
	p := newPage(t, Config{})
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close) // runs after the streams are closed: Close waits for them
	c := newClient(t)
	var open []*events
	for range MaxStreams {
		open = append(open, openEvents(t, c, srv.URL+"/api/events"))
	}
	resp, err := c.Get(srv.URL + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" ||
		!strings.Contains(string(body), "too many live pages") {
		t.Errorf("a fifth stream: %s %q %q", resp.Status, resp.Header.Get("Content-Type"), body)
	}
	open[0].resp.Body.Close()
	testkit.Poll(t, 10*time.Second, "a stream's place freed by its client", func() bool { return p.streams.Load() < MaxStreams })
	openEvents(t, c, srv.URL+"/api/events")
}

// TestEventsKeepalive checks the comments of an idle stream.
func TestEventsKeepalive(t *testing.T) {
	p := newPage(t, Config{})
	p.keepalive = 5 * time.Millisecond
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close) // runs after the streams are closed: Close waits for them
	e := openEvents(t, newClient(t), srv.URL+"/api/events")
	for range 2 {
		if name, _ := e.next(t); name != ": keepalive" {
			t.Errorf("idle stream sent %q", name)
		}
	}
}

// TestEventsShutdown checks that streams end when their server shuts
// down, so that Shutdown does not wait for the pages to be closed.
func TestEventsShutdown(t *testing.T) {
	p := newPage(t, Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := &http.Server{Handler: p}
	served := make(chan error, 1)
	go func() { served <- server.Serve(ln) }()
	e := openEvents(t, newClient(t), "http://"+ln.Addr().String()+"/api/events")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := server.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown with a page open: %v", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve: %v", err)
	}
	if _, err := io.ReadAll(e.r); err != nil {
		t.Errorf("the stream did not end cleanly: %v", err)
	}
	if n := p.streams.Load(); n != 0 {
		t.Errorf("%d streams left", n)
	}
}

// TestEventsSlowClient checks that a client that does not read is cut.
func TestEventsSlowClient(t *testing.T) {
	p := newPage(t, Config{MaxSeries: 2000})
	p.stall = 50 * time.Millisecond
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close) // runs after the streams are closed: Close waits for them
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n") // and never read
	testkit.Poll(t, 10*time.Second, "the stream to open", func() bool { return p.streams.Load() == 1 })

	// Each snapshot is an update of about 300 kB, until the connection's
	// buffers are full and the stream is cut.
	names := make([]string, 2000)
	for i := range names {
		names[i] = fmt.Sprintf("a.rather.long.series.name.to.fill.the.buffers.quickly.%0100d", i)
	}
	at := t0
	testkit.Poll(t, 30*time.Second, "the stream of a client that does not read to be cut", func() bool {
		at = at.Add(10 * time.Second)
		p.Observe(gaugeSnap(at, 1.5, names...))
		return p.streams.Load() == 0
	})
}
