package opentsdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/internal/tsdb"
	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

// manyGauges is a snapshot of n gauges, about 60 bytes per telnet line.
func manyGauges(n int) metrics.Snapshot {
	snap := metrics.Snapshot{
		Time:        time.Now().Truncate(time.Second),
		DefaultTags: []metrics.Tag{{Key: "host", Value: "web01"}},
		Series:      make([]metrics.Series, n),
	}
	for i := range snap.Series {
		snap.Series[i] = metrics.Series{Name: fmt.Sprintf("g%06d", i), Kind: metrics.KindGauge, Value: float64(i)}
	}
	return snap
}

// telnetProxy forwards telnet lines to VictoriaMetrics, whole lines only.
// On its first connection it stops after cut bytes:
// with hard, it resets the connection at once, dropping what it has not
// read; otherwise it closes its side (the server ends the connection),
// stops reading until resume is called, then forwards what the client had
// sent until the client went away.
type telnetProxy struct {
	t      testing.TB
	ln     net.Listener
	target string
	cut    int
	hard   bool

	resumed   chan struct{}
	once      sync.Once
	conns     atomic.Int64
	mu        sync.Mutex
	firstSent int // bytes of whole lines forwarded from the first connection
	wg        sync.WaitGroup
}

func newTelnetProxy(t testing.TB, target string, cut int, hard bool) *telnetProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &telnetProxy{t: t, ln: ln, target: target, cut: cut, hard: hard, resumed: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.serve(c.(*net.TCPConn), p.conns.Add(1) == 1)
			}()
		}
	}()
	t.Cleanup(func() {
		p.resume()
		ln.Close()
		p.wg.Wait()
	})
	return p
}

// resume lets a proxy that closed its side read again.
func (p *telnetProxy) resume() { p.once.Do(func() { close(p.resumed) }) }

func (p *telnetProxy) serve(c *net.TCPConn, first bool) {
	defer c.Close()
	if first {
		// Little acknowledged ahead of what the proxy has read: while it
		// pauses, the client's lines wait in the client's kernel. Later
		// connections keep the default, for speed.
		_ = c.SetReadBuffer(64 << 10)
	}
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		p.t.Errorf("proxy: %v", err)
		return
	}
	defer up.Close() // a graceful close: VictoriaMetrics stores every line
	buf := make([]byte, 32<<10)
	var pending []byte
	total, cut := 0, false
	for {
		n, err := c.Read(buf)
		pending = append(pending, buf[:n]...)
		if i := bytes.LastIndexByte(pending, '\n'); i >= 0 {
			if _, werr := up.Write(pending[:i+1]); werr != nil {
				p.t.Errorf("proxy: %v", werr)
				return
			}
			if first {
				p.mu.Lock()
				p.firstSent += i + 1
				p.mu.Unlock()
			}
			pending = append(pending[:0], pending[i+1:]...)
		}
		total += n
		if first && !cut && total >= p.cut {
			cut = true
			if p.hard {
				_ = c.SetLinger(0)
				return
			}
			_ = c.CloseWrite()
			<-p.resumed
		}
		if err != nil {
			return // a partial last line is dropped, as by a TSD
		}
	}
}

// TestTelnetServerClosesMidStream: the server ends the connection in the
// middle of a snapshot. Export fails, and the next Export sends the rest on
// a new connection: every point arrives.
func TestTelnetServerClosesMidStream(t *testing.T) {
	vm := testenv.VictoriaMetrics(t)
	proxy := newTelnetProxy(t, vm.OpenTSDBTelnetAddr, 300<<10, false)
	cfg := Config{URL: "tcp://" + proxy.ln.Addr().String(), Prefix: uniquePrefix(t)}
	e := newExporter(t, cfg)
	snap := manyGauges(20000)
	snap.Seq = 1 // offered again as the Reporter does

	err := e.Export(context.Background(), snap)
	if err == nil || errors.Is(err, exporters.ErrRejected) {
		t.Fatalf("first Export = %v, want a transient error", err)
	}
	t.Logf("first Export: %v", err)
	proxy.resume()
	if err := e.Export(context.Background(), snap); err != nil {
		t.Fatalf("second Export = %v", err)
	}
	if n := proxy.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}

	want := wantSeries(t, snap, cfg, true)
	got := readBack(t, vm, cfg.Prefix, len(want))
	dups := 0
	for key, w := range want {
		s, ok := got[key]
		if !ok {
			t.Errorf("series %s missing", key)
			continue
		}
		// A line acknowledged in the instant between the last look at the
		// send queue and the reset may arrive twice; never with another
		// value.
		dups += len(s.Values) - 1
		for i, v := range s.Values {
			if v != w.value || s.Timestamps[i] != w.ts {
				t.Errorf("series %s = %v at %v, want %v at %d", key, s.Values, s.Timestamps, w.value, w.ts)
				break
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d series stored, want %d", len(got), len(want))
	}
	t.Logf("%d of %d points arrived twice", dups, len(want))
	checkNoBadRows(t, vm)
}

// TestTelnetConnectionReset: the connection is reset in the middle of a
// snapshot, losing what the proxy had received but not forwarded. The next
// Export sends every line from the first one the exporter could not see
// acknowledged.
func TestTelnetConnectionReset(t *testing.T) {
	if !ackTracking {
		t.Skip("needs the kernel's send queue (Linux)")
	}
	vm := testenv.VictoriaMetrics(t)
	proxy := newTelnetProxy(t, vm.OpenTSDBTelnetAddr, 300<<10, true)
	cfg := Config{URL: "tcp://" + proxy.ln.Addr().String(), Prefix: uniquePrefix(t)}
	e := newExporter(t, cfg)
	snap := manyGauges(20000)
	snap.Seq = 1 // offered again as the Reporter does

	err := e.Export(context.Background(), snap)
	if err == nil || errors.Is(err, exporters.ErrRejected) {
		t.Fatalf("first Export = %v, want a transient error", err)
	}
	resumed := e.telnet.progress.sent
	if err := e.Export(context.Background(), snap); err != nil {
		t.Fatalf("second Export = %v", err)
	}

	// Which lines reached VictoriaMetrics from the first connection.
	points, _ := tsdb.Flatten(nil, snap, mustSettings(t, cfg).flatten)
	proxy.mu.Lock()
	firstSent := proxy.firstSent
	proxy.mu.Unlock()
	forwarded, size := 0, 0
	for _, p := range points {
		size += len(tsdb.AppendTelnet(nil, p))
		if size > firstSent {
			break
		}
		forwarded++
	}
	t.Logf("the proxy forwarded %d lines; the exporter resumed at line %d of %d", forwarded, resumed, len(points))

	want := wantSeries(t, snap, cfg, true)
	got := readBack(t, vm, cfg.Prefix, min(forwarded, resumed)+len(points)-resumed)
	for i, p := range points {
		if i >= forwarded && i < resumed {
			continue // acknowledged by the proxy's kernel, never forwarded: lost
		}
		tags := map[string]string{}
		for _, tag := range p.Tags {
			tags[tag.Key] = tag.Value
		}
		key := seriesKey(p.Metric, tags)
		if s, ok := got[key]; !ok || s.Values[0] != want[key].value {
			t.Errorf("line %d (%s) missing", i, key)
		}
	}
	checkNoBadRows(t, vm)
}

// TestTelnetHungServer: a server that accepts the connection and never
// reads makes Export fail within about Timeout, on the write deadline, and
// the next Export dials again.
func TestTelnetHungServer(t *testing.T) {
	ln := hangingListener(t, true)
	const timeout = 500 * time.Millisecond
	e := newExporter(t, Config{URL: "tcp://" + ln.Addr().String(), Timeout: timeout})
	snap := manyGauges(100000) // 6 MB: more than the socket buffers hold

	for attempt := range 2 {
		start := time.Now()
		err := e.Export(context.Background(), snap)
		elapsed := time.Since(start)
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("Export = %v, want a timeout", err)
		}
		if elapsed > timeout+2*time.Second {
			t.Errorf("Export took %v with Timeout %v", elapsed, timeout)
		}
		t.Logf("attempt %d failed after %v: %v", attempt, elapsed, err)
	}
}

// TestTelnetAnswersLogged: error lines the server sends are logged.
func TestTelnetAnswersLogged(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 1024)
		if _, err := c.Read(buf); err != nil {
			return
		}
		fmt.Fprintf(c, "put: unknown metric: No such name for 'metrics': 'x'\n")
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	}()
	var logs testkit.Buffer
	e := newExporter(t, Config{URL: "tcp://" + ln.Addr().String(), Logger: slogTo(&logs)})
	if err := e.Export(context.Background(), manyGauges(3)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "unknown metric") {
		if time.Now().After(deadline) {
			t.Fatalf("the answer was not logged: %q", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestTelnetDialFails: Export fails fast when nobody listens.
func TestTelnetDialFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	e := newExporter(t, Config{URL: "tcp://" + addr})
	err = e.Export(context.Background(), manyGauges(3))
	if err == nil || errors.Is(err, exporters.ErrRejected) {
		t.Fatalf("Export = %v, want a transient error", err)
	}
}

func mustSettings(t testing.TB, cfg Config) settings {
	t.Helper()
	s, err := cfg.settings()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
