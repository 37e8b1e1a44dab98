package opentsdb

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/internal/tsdb"
	"github.com/vitals-go/vitals/metrics"
)

// retryCase is what an Export offers after one that failed part-way
// through the snapshot first, and whether it is a retry of it.
type retryCase struct {
	name  string
	next  func(first metrics.Snapshot) metrics.Snapshot
	retry bool
}

// retryCases: the same Seq is a retry; another Seq is a new snapshot even
// with the same time and number of points (which the guess by time and
// point count took for a retry), and so is Seq 0.
var retryCases = []retryCase{
	{"same seq", func(first metrics.Snapshot) metrics.Snapshot { return first }, true},
	{"next seq, same time and length", func(first metrics.Snapshot) metrics.Snapshot {
		next := manyGauges(len(first.Series))
		next.Time, next.Seq = first.Time, first.Seq+1
		for i := range next.Series {
			next.Series[i].Value += 1000
		}
		return next
	}, false},
	{"seq 0", func(first metrics.Snapshot) metrics.Snapshot {
		first.Seq = 0
		return first
	}, false},
}

// TestHTTPRetryBySeq: after an Export that stored the first batch and
// failed on the second, the next Export sends only the batches not
// answered when it offers the same Seq, and every batch otherwise.
func TestHTTPRetryBySeq(t *testing.T) {
	const n, batch = 20, 5
	for _, tc := range retryCases {
		t.Run(tc.name, func(t *testing.T) {
			var (
				mu       sync.Mutex
				requests int
				got      []string // "metric value" of each point stored
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				points := readPut(t, r)
				mu.Lock()
				defer mu.Unlock()
				if requests++; requests == 2 {
					http.Error(w, `{"error":{"code":503,"message":"overloaded"}}`, http.StatusServiceUnavailable)
					return
				}
				for _, p := range points {
					v, err := strconv.ParseFloat(string(p.Value), 64)
					if err != nil {
						t.Errorf("value %s: %v", p.Value, err)
					}
					got = append(got, p.Metric+" "+strconv.FormatFloat(v, 'g', -1, 64))
				}
				w.WriteHeader(http.StatusNoContent)
			}))
			defer srv.Close()
			cfg := Config{URL: srv.URL, BatchSize: batch, Parallelism: 1}
			e := newExporter(t, cfg)

			first := manyGauges(n)
			first.Seq = 1
			err := e.Export(context.Background(), first)
			if pe, ok := errors.AsType[*exporters.PartialError](err); !ok || pe.Delivered != batch {
				t.Fatalf("first Export = %v, want a Partial error with %d points delivered", err, batch)
			}
			mu.Lock()
			got = nil
			mu.Unlock()

			next := tc.next(first)
			if err := e.Export(context.Background(), next); err != nil {
				t.Fatalf("second Export = %v", err)
			}
			points, _ := tsdb.Flatten(nil, next, mustSettings(t, cfg).flatten)
			if tc.retry {
				points = points[batch:] // the first batch is stored already
			}
			var want []string
			for _, p := range points {
				want = append(want, p.Metric+" "+strconv.FormatFloat(p.Value, 'g', -1, 64))
			}
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(got, want) {
				t.Errorf("second Export sent\n%v\nwant\n%v", got, want)
			}
		})
	}
}

// TestTelnetRetryBySeq: after an Export whose connection was reset
// part-way, the next Export resends from the first line not acknowledged
// when it offers the same Seq, and every line otherwise.
func TestTelnetRetryBySeq(t *testing.T) {
	const n = 20000 // 1.2 MB: more than the server reads before the reset
	for _, tc := range retryCases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.retry && !ackTracking {
				t.Skip("where lines count as delivered once written, all of them may be")
			}
			srv := newResettingServer(t, 256<<10)
			cfg := Config{URL: "tcp://" + srv.ln.Addr().String(), Timeout: 10 * time.Second}
			e := newExporter(t, cfg)

			first := manyGauges(n)
			first.Seq = 1
			if err := e.Export(context.Background(), first); err == nil || errors.Is(err, exporters.ErrRejected) {
				t.Fatalf("first Export = %v, want a transient error", err)
			}
			resumed := e.telnet.progress.sent
			if tc.retry && (resumed == 0 || resumed == n) {
				t.Fatalf("%d of %d lines acknowledged before the reset; the test needs some, not all", resumed, n)
			}

			next := tc.next(first)
			if err := e.Export(context.Background(), next); err != nil {
				t.Fatalf("second Export = %v", err)
			}
			if err := e.Shutdown(context.Background()); err != nil { // the server reads to the end
				t.Fatal(err)
			}
			got := srv.secondConn(t)

			points, _ := tsdb.Flatten(nil, next, mustSettings(t, cfg).flatten)
			if tc.retry {
				points = points[resumed:]
			}
			want := make([]string, len(points))
			for i, p := range points {
				want[i] = strings.TrimSuffix(string(tsdb.AppendTelnet(nil, p)), "\n")
			}
			if !slices.Equal(got, want) {
				i := 0
				for i < min(len(got), len(want)) && got[i] == want[i] {
					i++
				}
				t.Fatalf("second connection got %d lines, want %d; they differ from line %d (the first Export stopped at %d)",
					len(got), len(want), i, resumed)
			}
		})
	}
}

// resettingServer reads cut bytes from its first connection and resets it,
// then reads every line of its second until the client closes it.
type resettingServer struct {
	ln    net.Listener
	cut   int
	lines chan []string // the second connection's lines
	wg    sync.WaitGroup
}

func newResettingServer(t *testing.T, cut int) *resettingServer {
	t.Helper()
	lc := net.ListenConfig{Control: setSmallReceiveBuffer} // little acknowledged ahead of what it read
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &resettingServer{ln: ln, cut: cut, lines: make(chan []string, 1)}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for k := 1; ; k++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(t, c.(*net.TCPConn), k)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *resettingServer) serve(t *testing.T, c *net.TCPConn, k int) {
	defer c.Close()
	if k == 1 {
		buf := make([]byte, 32<<10)
		for total := 0; total < s.cut; {
			n, err := c.Read(buf)
			if err != nil {
				t.Errorf("first connection: %v", err)
				return
			}
			total += n
		}
		_ = c.SetLinger(0) // a reset: what the kernel holds is dropped
		return
	}
	var lines []string
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Errorf("connection %d: %v", k, err)
	}
	if k != 2 {
		t.Errorf("connection %d, want 2", k)
		return
	}
	s.lines <- lines
}

// secondConn returns the lines of the second connection once the client
// closed it.
func (s *resettingServer) secondConn(t *testing.T) []string {
	t.Helper()
	select {
	case lines := <-s.lines:
		return lines
	case <-time.After(30 * time.Second):
		t.Fatal("the second connection did not end")
		return nil
	}
}
