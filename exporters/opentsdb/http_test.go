package opentsdb

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/internal/testenv"
)

// putPoint is one /api/put data point as a test proxy sees it.
type putPoint struct {
	Metric    string            `json:"metric"`
	Timestamp int64             `json:"timestamp"`
	Value     json.RawMessage   `json:"value"`
	Tags      map[string]string `json:"tags"`
}

// readPut decodes an /api/put request body, gzipped or not.
func readPut(t testing.TB, r *http.Request) []putPoint {
	t.Helper()
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			t.Errorf("gzip: %v", err)
			return nil
		}
		body = zr
	}
	var points []putPoint
	if err := json.NewDecoder(body).Decode(&points); err != nil {
		t.Errorf("decoding /api/put body: %v", err)
	}
	return points
}

// forwardPut posts points to VictoriaMetrics' /api/put, values as numbers
// (OpenTSDB echoes them as strings), and returns its status.
func forwardPut(t testing.TB, vm *testenv.VMServer, points []putPoint) int {
	t.Helper()
	if len(points) == 0 {
		return http.StatusNoContent
	}
	out := make([]putPoint, len(points))
	for i, p := range points {
		if len(p.Value) > 0 && p.Value[0] == '"' {
			var s string
			if err := json.Unmarshal(p.Value, &s); err != nil {
				t.Errorf("value %s: %v", p.Value, err)
			}
			p.Value = json.RawMessage(s)
		}
		out[i] = p
	}
	body, err := json.Marshal(out)
	if err != nil {
		t.Errorf("encoding points: %v", err)
		return http.StatusInternalServerError
	}
	resp, err := http.Post(vm.OpenTSDBHTTPURL+"/api/put", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Errorf("forwarding to VictoriaMetrics: %v", err)
		return http.StatusBadGateway
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestHTTPRetryAfterServerErrors: a TSD that fails the first requests with
// 5xx, 429 and dropped connections gets every point exactly once, over
// several Exports of the same snapshot.
func TestHTTPRetryAfterServerErrors(t *testing.T) {
	vm := testenv.VictoriaMetrics(t)
	var requests, forwarded atomic.Int64
	failures := []int{500, 503, -1, 429, 502, 500, 504} // -1: close the connection unanswered
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/put" || !r.URL.Query().Has("details") {
			t.Errorf("request to %s", r.URL)
		}
		points := readPut(t, r)
		n := int(requests.Add(1))
		if n <= len(failures) {
			if failures[n-1] < 0 {
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					conn.Close()
				}
				return
			}
			http.Error(w, `{"error":{"code":500,"message":"storage unavailable"}}`, failures[n-1])
			return
		}
		forwarded.Add(int64(len(points)))
		w.WriteHeader(forwardPut(t, vm, points))
	}))
	defer proxy.Close()

	cfg := Config{URL: proxy.URL, Prefix: uniquePrefix(t), BatchSize: 5, Parallelism: 3}
	snap := everyKind(t)
	snap.Seq = 1 // offered again as the Reporter does
	e := newExporter(t, cfg)
	err, transient := exportUntil(t, e, snap, 20)
	if err != nil {
		t.Fatalf("Export = %v", err)
	}
	if transient < 2 {
		t.Errorf("%d transient errors, want several", transient)
	}
	want := wantSeries(t, snap, cfg, false)
	checkStored(t, vm, cfg.Prefix, want) // one sample per series: no duplicate
	if got := forwarded.Load(); got != int64(len(want)) {
		t.Errorf("%d points forwarded, want each of the %d once", got, len(want))
	}
	checkNoBadRows(t, vm)
}

// TestHTTPPartialDelivery: a TSD that fails every second request stores
// part of a snapshot per attempt; each failed Export says, through
// exporters.Partial, exactly how many points are stored so far, so that the
// Reporter counts them as exported if it has to give the snapshot up.
func TestHTTPPartialDelivery(t *testing.T) {
	vm := testenv.VictoriaMetrics(t)
	var requests, forwarded atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		points := readPut(t, r)
		if requests.Add(1)%2 == 0 {
			http.Error(w, `{"error":{"code":503,"message":"overloaded"}}`, http.StatusServiceUnavailable)
			return
		}
		forwarded.Add(int64(len(points)))
		w.WriteHeader(forwardPut(t, vm, points))
	}))
	defer proxy.Close()

	cfg := Config{URL: proxy.URL, Prefix: uniquePrefix(t), BatchSize: 5, Parallelism: 1}
	snap := everyKind(t)
	snap.Seq = 1 // offered again as the Reporter does
	e := newExporter(t, cfg)
	partial := 0
	for attempt := 1; ; attempt++ {
		if attempt > 50 {
			t.Fatal("Export still failing after 50 attempts")
		}
		err := e.Export(context.Background(), snap)
		if err == nil {
			break
		}
		pe, ok := errors.AsType[*exporters.PartialError](err)
		switch {
		case ok && int64(pe.Delivered) != forwarded.Load():
			t.Errorf("attempt %d: Partial says %d points delivered; the TSD stored %d", attempt, pe.Delivered, forwarded.Load())
		case ok:
			partial++
		case forwarded.Load() != 0:
			t.Errorf("attempt %d: %v; want a Partial error, %d points are stored", attempt, err, forwarded.Load())
		}
	}
	if partial < 2 {
		t.Errorf("%d partial failures, want several", partial)
	}
	want := wantSeries(t, snap, cfg, false)
	checkStored(t, vm, cfg.Prefix, want) // one sample per series: no duplicate
	if got := forwarded.Load(); got != int64(len(want)) {
		t.Errorf("%d points forwarded, want each of the %d once", got, len(want))
	}
}

// TestHTTPRejectedPoints: a TSD answering 400 with OpenTSDB's details
// refuses some points for good ("Unknown metric") and asks for others to be
// sent again ("Please throttle"); Export reports the refused ones as
// rejected once everything else is stored.
func TestHTTPRejectedPoints(t *testing.T) {
	vm := testenv.VictoriaMetrics(t)
	var (
		mu        sync.Mutex
		throttled = map[string]bool{} // points asked to be sent again
		requests  [][]putPoint
	)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		points := readPut(t, r)
		mu.Lock()
		defer mu.Unlock()
		requests = append(requests, points)
		type putErr struct {
			Datapoint putPoint `json:"datapoint"`
			Error     string   `json:"error"`
		}
		answer := struct {
			Errors  []putErr `json:"errors"`
			Failed  int      `json:"failed"`
			Success int      `json:"success"`
		}{Errors: []putErr{}}
		var stored []putPoint
		for _, p := range points {
			echo := p
			echo.Value = json.RawMessage(fmt.Sprintf("%q", p.Value)) // OpenTSDB echoes the value as a string
			switch {
			case strings.Contains(p.Metric, ".requests."):
				answer.Errors = append(answer.Errors, putErr{echo, "Unknown metric"})
			case strings.Contains(p.Metric, ".payload.bytes.") && !throttled[p.Metric]:
				throttled[p.Metric] = true
				answer.Errors = append(answer.Errors, putErr{echo, "Please throttle"})
			default:
				stored = append(stored, p)
			}
		}
		if status := forwardPut(t, vm, stored); status != http.StatusNoContent {
			t.Errorf("VictoriaMetrics answered %d", status)
		}
		answer.Success, answer.Failed = len(stored), len(answer.Errors)
		w.Header().Set("Content-Type", "application/json")
		if answer.Failed > 0 {
			w.WriteHeader(http.StatusBadRequest)
		}
		_ = json.NewEncoder(w).Encode(answer)
	}))
	defer proxy.Close()

	cfg := Config{URL: proxy.URL, Prefix: uniquePrefix(t), BatchSize: 8, Gzip: true}
	snap, invalid := withInvalid(everyKind(t))
	snap.Seq = 1 // offered again as the Reporter does
	e := newExporter(t, cfg)

	err := e.Export(context.Background(), snap)
	if err == nil || errors.Is(err, exporters.ErrRejected) {
		t.Fatalf("first Export = %v, want a transient error for the throttled points", err)
	}
	mu.Lock()
	first := len(requests)
	mu.Unlock()

	err = e.Export(context.Background(), snap)
	var rej *exporters.RejectedError
	if !errors.As(err, &rej) || !errors.Is(err, exporters.ErrRejected) || !errors.Is(err, ErrInvalidPoint) {
		t.Fatalf("second Export = %v, want rejected points, the invalid ones with ErrInvalidPoint", err)
	}
	const unknown = 3 // requests{code=2xx}, requests{code=5xx}, requests.untagged
	if rej.Points != unknown+invalid {
		t.Errorf("%d points rejected, want %d unknown + %d invalid", rej.Points, unknown, invalid)
	}
	if !strings.Contains(err.Error(), "Unknown metric") {
		t.Errorf("error %q does not say why", err)
	}

	// The second Export sent only the throttled points.
	mu.Lock()
	var again []string
	for _, req := range requests[first:] {
		for _, p := range req {
			again = append(again, p.Metric)
		}
	}
	nThrottled := len(throttled)
	mu.Unlock()
	if len(again) != nThrottled {
		t.Errorf("second Export sent %v, want only the %d throttled points", again, nThrottled)
	}
	for _, m := range again {
		if !strings.Contains(m, ".payload.bytes.") {
			t.Errorf("second Export sent %s again", m)
		}
	}

	want := wantSeries(t, snap, cfg, false)
	for key := range want {
		if strings.Contains(key, ".requests.") {
			delete(want, key)
		}
	}
	checkStored(t, vm, cfg.Prefix, want)
	checkNoBadRows(t, vm)
}

// TestHTTPClassify covers the answers a TSD can give, without a server.
func TestHTTPClassify(t *testing.T) {
	h := newHTTPSender(settings{putURL: "http://tsd:4242/api/put?details", where: "POST http://tsd:4242/api/put"})
	details := `{"errors":[{"datapoint":{"metric":"a","timestamp":1,"value":"1","tags":{"h":"x"}},"error":"Unknown metric"},` +
		`{"datapoint":{"metric":"b","timestamp":1,"value":"2","tags":{"h":"x"}},"error":"Please throttle"}],"failed":2,"success":8}`
	cases := []struct {
		name      string
		status    int
		body      string
		transient bool
		rejected  int
		retry     int
		msg       string
	}{
		{name: "204", status: 204},
		{name: "200 empty", status: 200},
		{name: "200 summary", status: 200, body: `{"failed":0,"success":10}`},
		{name: "200 failures", status: 200, body: `{"failed":2,"success":8}`, rejected: 2, msg: "refused without details"},
		{name: "400 details", status: 400, body: details, rejected: 1, retry: 1, msg: "Unknown metric"},
		{name: "400 more failed than listed", status: 400, body: `{"errors":[],"failed":3,"success":7}`, rejected: 3},
		{name: "400 chunked", status: 400, body: `{"error":{"code":400,"message":"Chunked request not supported."}}`, rejected: 10, msg: "MaxRequestBytes"},
		{name: "400 text", status: 400, body: "bad json", rejected: 10, msg: "bad json"},
		{name: "413", status: 413, rejected: 10, msg: "too big"},
		{name: "404 read-only TSD", status: 404, transient: true},
		{name: "429", status: 429, transient: true},
		{name: "500", status: 500, body: `{"error":{"code":500,"message":"boom","details":"HBase down"}}`, transient: true,
			msg: "opentsdb: HTTP 500: boom: HBase down (POST http://tsd:4242/api/put)"},
		{name: "503", status: 503, transient: true, msg: "opentsdb: HTTP 503: no answer body (POST http://tsd:4242/api/put)"},
		{name: "502 long", status: 502, body: "x" + strings.Repeat("é", 300), transient: true, // cut between runes
			msg: "opentsdb: HTTP 502: x" + strings.Repeat("é", 49) + "... (POST http://tsd:4242/api/put)"},
		{name: "301", status: 301, transient: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := h.classify(tc.status, []byte(tc.body), nil, 10)
			if (res.err != nil) != tc.transient || res.rejected != tc.rejected || len(res.retry) != tc.retry {
				t.Errorf("classify = err %v, rejected %d, retry %d; want transient %v, rejected %d, retry %d",
					res.err, res.rejected, len(res.retry), tc.transient, tc.rejected, tc.retry)
			}
			text := summarize(res.errors)
			if res.err != nil {
				text = res.err.Error()
			}
			if !strings.Contains(text, tc.msg) {
				t.Errorf("message %q does not contain %q", text, tc.msg)
			}
			if res.err != nil && len(text) > 200 {
				t.Errorf("message of %d bytes: %s", len(text), text)
			}
		})
	}
}

// TestHTTPHungServer: a server that accepts connections and never answers
// makes Export fail within Timeout.
func TestHTTPHungServer(t *testing.T) {
	ln := hangingListener(t, false)
	const timeout = 300 * time.Millisecond
	e := newExporter(t, Config{URL: "http://" + ln.Addr().String(), Timeout: timeout})
	snap := everyKind(t)
	start := time.Now()
	err := e.Export(context.Background(), snap)
	elapsed := time.Since(start)
	if err == nil || errors.Is(err, exporters.ErrRejected) {
		t.Fatalf("Export = %v, want a transient error", err)
	}
	if elapsed > timeout+2*time.Second {
		t.Errorf("Export took %v with Timeout %v", elapsed, timeout)
	}
	t.Logf("Export failed after %v: %v", elapsed, err)
}

// TestHTTPContextCanceled: Export gives up when its context ends.
func TestHTTPContextCanceled(t *testing.T) {
	ln := hangingListener(t, false)
	e := newExporter(t, Config{URL: "http://" + ln.Addr().String(), Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := e.Export(ctx, everyKind(t))
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("Export = %v after %v, want a quick error", err, time.Since(start))
	}
}

// hangingListener accepts connections on 127.0.0.1 and never reads from or
// writes to them (with a tiny receive buffer when small), until the test
// ends.
func hangingListener(t testing.TB, small bool) net.Listener {
	t.Helper()
	lc := net.ListenConfig{}
	if small {
		lc.Control = setSmallReceiveBuffer
	}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln
}
