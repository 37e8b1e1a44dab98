package console_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/console"
	"github.com/vitals-go/vitals/exporters/opentsdb"
	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

var testTime = time.Unix(1700000000, 0)

// testSnapshot has a counter, a meter and a timer with a default tag.
func testSnapshot() metrics.Snapshot {
	return metrics.Snapshot{
		Time:        testTime,
		DefaultTags: []metrics.Tag{{Key: "host", Value: "web01"}},
		Series: []metrics.Series{
			{Name: "jobs.done", Kind: metrics.KindCounter, Count: 3, Tags: []metrics.Tag{{Key: "queue", Value: "base"}}},
			{Name: "requests", Kind: metrics.KindMeter, Count: 50, Rates: metrics.Rates{Rate1: 1.5, Rate5: 2, Rate15: 2.5, Mean: 0.25}},
			{Name: "query.latency", Kind: metrics.KindTimer, Unit: "ns", Count: 2, Rates: metrics.Rates{Rate1: 0.5},
				Summary: metrics.Summary{Count: 2, Min: 1e6, Max: 3e6, Mean: 2e6, StdDev: 1e6, P50: 1e6, P75: 3e6, P95: 3e6, P99: 3e6, P999: 3e6}},
		},
	}
}

const testOutput = `put jobs.done.count 1700000000 3 host=web01 queue=base
put requests.count 1700000000 50 host=web01
put requests.rate1 1700000000 1.5 host=web01
put requests.rate5 1700000000 2 host=web01
put requests.rate15 1700000000 2.5 host=web01
put requests.rate_mean 1700000000 0.25 host=web01
put query.latency.count 1700000000 2 host=web01
put query.latency.min 1700000000 1 host=web01
put query.latency.max 1700000000 3 host=web01
put query.latency.mean 1700000000 2 host=web01
put query.latency.stddev 1700000000 1 host=web01
put query.latency.p50 1700000000 1 host=web01
put query.latency.p75 1700000000 3 host=web01
put query.latency.p95 1700000000 3 host=web01
put query.latency.p99 1700000000 3 host=web01
put query.latency.p999 1700000000 3 host=web01
put query.latency.rate1 1700000000 0.5 host=web01
put query.latency.rate5 1700000000 0 host=web01
put query.latency.rate15 1700000000 0 host=web01
put query.latency.rate_mean 1700000000 0 host=web01
`

func newExporter(t *testing.T, cfg console.Config) *console.Exporter {
	t.Helper()
	e, err := console.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// countingWriter counts Write calls.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

func TestExport(t *testing.T) {
	var w countingWriter
	e := newExporter(t, console.Config{Format: console.FormatPut, Writer: &w})
	snap := testSnapshot()
	if err := e.Export(context.Background(), snap); err != nil {
		t.Fatal(err)
	}
	if w.String() != testOutput {
		t.Fatalf("got\n%s\nwant\n%s", w.String(), testOutput)
	}
	if w.writes != 1 {
		t.Fatalf("%d writes, want 1", w.writes)
	}
	if n := e.Points(snap); n != strings.Count(testOutput, "\n") {
		t.Fatalf("Points = %d", n)
	}
	// The next snapshot is written in full, in one more Write.
	if err := e.Export(context.Background(), snap); err != nil {
		t.Fatal(err)
	}
	if w.String() != testOutput+testOutput || w.writes != 2 {
		t.Fatalf("second export: %d writes, output\n%s", w.writes, w.String())
	}
}

func TestExportOptions(t *testing.T) {
	var buf bytes.Buffer
	e := newExporter(t, console.Config{Format: console.FormatPut, Writer: &buf, GoMetricsNames: true, DurationUnit: time.Microsecond, MaxTags: 1, Prefix: "svc"})
	snap := testSnapshot()
	err := e.Export(context.Background(), snap)
	// jobs.done has two tags, more than MaxTags.
	var rejected *exporters.RejectedError
	if !errors.As(err, &rejected) || rejected.Points != 1 || !errors.Is(err, console.ErrInvalidPoint) {
		t.Fatalf("error %v, want 1 point rejected", err)
	}
	if !errors.Is(err, opentsdb.ErrInvalidPoint) {
		t.Errorf("error %v does not match opentsdb.ErrInvalidPoint, the same reason", err)
	}
	out := buf.String()
	for _, want := range []string{
		"put svc.requests.one-minute 1700000000 1.5 host=web01\n",
		"put svc.query.latency.std-dev 1700000000 1000 host=web01\n",
		"put svc.query.latency.99-percentile 1700000000 3000 host=web01\n",
		"put svc.query.latency.mean-rate 1700000000 0 host=web01\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "jobs.done") {
		t.Errorf("output has the rejected point:\n%s", out)
	}
}

func TestNew(t *testing.T) {
	for _, cfg := range []console.Config{
		{Format: console.FormatPut, DurationUnit: -time.Second},
		{Format: console.FormatPut, MaxTags: -1},
		{Format: console.FormatPut, Prefix: "my app"},
		{Format: console.FormatPut, Prefix: "a=b"},
		// The text format has no use for FormatPut's options.
		{GoMetricsNames: true},
		{DurationUnit: time.Second},
		{MaxTags: 4},
		{Prefix: "svc"},
		{Format: 7},
	} {
		if _, err := console.New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	if _, err := console.New(console.Config{Format: console.FormatPut, Prefix: "größe.svc-1/x"}); err != nil {
		t.Error(err)
	}
}

func TestDefaultWriterIsStdout(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	e, err := console.New(console.Config{Format: console.FormatPut})
	os.Stdout = stdout
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Export(context.Background(), testSnapshot()); err != nil {
		t.Fatal(err)
	}
	w.Close()
	got, _ := io.ReadAll(r)
	if string(got) != testOutput {
		t.Fatalf("stdout got\n%s", got)
	}
}

// failingWriter writes up to limit bytes per call and fails when it could
// not write everything, until it is fixed.
type failingWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	limit  int
	broken bool
	calls  int
}

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls++
	if !w.broken {
		return w.buf.Write(p)
	}
	n := min(len(p), w.limit)
	w.buf.Write(p[:n])
	if n < len(p) {
		return n, errDiskFull
	}
	return n, nil
}

func (w *failingWriter) set(broken bool, limit int) {
	w.mu.Lock()
	w.broken, w.limit = broken, limit
	w.mu.Unlock()
}

func TestExportWriteErrorIsTransient(t *testing.T) {
	for _, limit := range []int{0, 1, 37, 54, 55, len(testOutput) - 1} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			w := &failingWriter{broken: true, limit: limit}
			e := newExporter(t, console.Config{Format: console.FormatPut, Writer: w})
			snap := testSnapshot()
			snap.Seq = 1 // offered again as the Reporter does
			err := e.Export(context.Background(), snap)
			if !errors.Is(err, errDiskFull) || errors.Is(err, exporters.ErrRejected) {
				t.Fatalf("error %v, want a transient disk full", err)
			}
			// Still broken: the retry gets as far as it can.
			err = e.Export(context.Background(), snap)
			if err != nil && !errors.Is(err, errDiskFull) {
				t.Fatalf("second try: %v", err)
			}
			if err != nil {
				w.set(false, 0)
				if err := e.Export(context.Background(), snap); err != nil {
					t.Fatal(err)
				}
			}
			if got := w.buf.String(); got != testOutput {
				t.Fatalf("after retries got\n%s\nwant each line once:\n%s", got, testOutput)
			}
		})
	}
}

func TestExportShortWrite(t *testing.T) {
	w := &shortWriter{limit: 10}
	e := newExporter(t, console.Config{Format: console.FormatPut, Writer: w})
	snap := testSnapshot()
	snap.Seq = 1 // offered again as the Reporter does
	if err := e.Export(context.Background(), snap); !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("error %v, want io.ErrShortWrite", err)
	}
	w.limit = 1 << 20
	if err := e.Export(context.Background(), snap); err != nil {
		t.Fatal(err)
	}
	if w.buf.String() != testOutput {
		t.Fatalf("got\n%s", w.buf.String())
	}
}

// shortWriter writes at most limit bytes and wrongly reports no error.
type shortWriter struct {
	buf   bytes.Buffer
	limit int
}

func (w *shortWriter) Write(p []byte) (int, error) {
	return w.buf.Write(p[:min(len(p), w.limit)])
}

// When the Reporter gives up on a snapshot whose Write stopped in a line,
// the next snapshot's lines still start on a line of their own.
func TestExportAfterAbandonedSnapshot(t *testing.T) {
	w := &failingWriter{broken: true, limit: 60}
	e := newExporter(t, console.Config{Format: console.FormatPut, Writer: w})
	abandoned := testSnapshot()
	abandoned.Seq = 1
	if err := e.Export(context.Background(), abandoned); err == nil {
		t.Fatal("no error")
	}
	w.set(false, 0)
	next := testSnapshot()
	next.Seq = 2
	next.Time = testTime.Add(10 * time.Second)
	next.Series = next.Series[:1]
	if err := e.Export(context.Background(), next); err != nil {
		t.Fatal(err)
	}
	want := testOutput[:60] + "\n" + "put jobs.done.count 1700000010 3 host=web01 queue=base\n"
	if got := w.buf.String(); got != want {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
}

func TestExportRejected(t *testing.T) {
	snap := testSnapshot()
	snap.DefaultTags = nil // requests and query.latency have no tag left
	snap.Seq = 1           // offered again as the Reporter does
	w := &failingWriter{broken: true}
	e := newExporter(t, console.Config{Format: console.FormatPut, Writer: w})
	if err := e.Export(context.Background(), snap); !errors.Is(err, errDiskFull) {
		t.Fatalf("error %v, want the write error first", err)
	}
	w.set(false, 0)
	err := e.Export(context.Background(), snap)
	var rejected *exporters.RejectedError
	if !errors.As(err, &rejected) || rejected.Points != 19 || !errors.Is(err, exporters.ErrRejected) {
		t.Fatalf("error %v, want 19 points rejected", err)
	}
	if got := w.buf.String(); got != "put jobs.done.count 1700000000 3 queue=base\n" {
		t.Fatalf("got %q", got)
	}
	// Nothing valid at all: no Write, every point rejected.
	calls := w.calls
	snap.Series, snap.Seq = snap.Series[1:], 2
	err = e.Export(context.Background(), snap)
	if !errors.As(err, &rejected) || rejected.Points != e.Points(snap) {
		t.Fatalf("error %v, want %d points rejected", err, e.Points(snap))
	}
	if w.calls != calls {
		t.Fatal("wrote an empty batch")
	}
}

func TestShutdown(t *testing.T) {
	var buf bytes.Buffer
	e := newExporter(t, console.Config{Format: console.FormatPut, Writer: &buf})
	ctx := context.Background()
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.Shutdown(ctx); !errors.Is(err, exporters.ErrShutdown) {
		t.Fatalf("second Shutdown: %v", err)
	}
	if err := e.Export(ctx, testSnapshot()); !errors.Is(err, exporters.ErrShutdown) {
		t.Fatalf("Export after Shutdown: %v", err)
	}
	if buf.Len() != 0 {
		t.Fatal("wrote after Shutdown")
	}
}

// blockingWriter blocks every Write until release is closed.
type blockingWriter struct {
	entered chan struct{}
	release chan struct{}
	buf     bytes.Buffer
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	w.entered <- struct{}{}
	<-w.release
	return w.buf.Write(p)
}

func TestShutdownWaitsWithinContext(t *testing.T) {
	w := &blockingWriter{entered: make(chan struct{}, 1), release: make(chan struct{})}
	e := newExporter(t, console.Config{Format: console.FormatPut, Writer: w})
	done := make(chan error)
	go func() { done <- e.Export(context.Background(), testSnapshot()) }()
	<-w.entered

	// A stuck Write holds Shutdown only until its deadline,
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := e.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "abandoned") {
		t.Fatalf("Shutdown: %v, want its deadline, and the Export it abandoned", err)
	}
	// and holds other Exports only until theirs.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if err := e.Export(ctx2, testSnapshot()); !errors.Is(err, exporters.ErrShutdown) {
		t.Fatalf("Export during Shutdown: %v", err)
	}
	close(w.release)
	if err := <-done; err != nil {
		t.Fatalf("the Export in progress: %v", err)
	}
	if w.buf.String() != testOutput {
		t.Fatal("the Export in progress was cut short")
	}
	if err := e.Shutdown(context.Background()); !errors.Is(err, exporters.ErrShutdown) {
		t.Fatalf("second Shutdown: %v", err)
	}
}

// TestShutdownContract: the Exporter keeps the Shutdown contract of
// exporters.Exporter, abandoning an Export stuck in a Write.
func TestShutdownContract(t *testing.T) {
	stuck := func(t *testing.T) testkit.StuckExport {
		w := &blockingWriter{entered: make(chan struct{}, 1), release: make(chan struct{})}
		release := sync.OnceFunc(func() { close(w.release) })
		t.Cleanup(release)
		e := newExporter(t, console.Config{Format: console.FormatPut, Writer: w})
		done := make(chan error, 1)
		go func() { done <- e.Export(context.Background(), testSnapshot()) }()
		<-w.entered
		return testkit.StuckExport{Exporter: e, Done: done, Release: release, Abandons: true}
	}
	idle := func(t *testing.T) exporters.Exporter { return newExporter(t, console.Config{Writer: io.Discard}) }
	testkit.CheckShutdown(t, stuck, idle, testSnapshot())
}

func TestExportContext(t *testing.T) {
	var buf bytes.Buffer
	e := newExporter(t, console.Config{Format: console.FormatPut, Writer: &buf})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.Export(ctx, testSnapshot()); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v", err)
	}
	if buf.Len() != 0 {
		t.Fatal("wrote with a cancelled context")
	}

	w := &blockingWriter{entered: make(chan struct{}, 1), release: make(chan struct{})}
	e = newExporter(t, console.Config{Format: console.FormatPut, Writer: w})
	done := make(chan error)
	go func() { done <- e.Export(context.Background(), testSnapshot()) }()
	<-w.entered
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := e.Export(ctx, testSnapshot()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Export behind a stuck one: %v", err)
	}
	close(w.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentExports runs Exports from many goroutines into one writer:
// each snapshot's lines arrive whole and together, none lost.
func TestConcurrentExports(t *testing.T) {
	var w countingWriter
	var mu sync.Mutex // bytes.Buffer is not safe for concurrent use; the Exporter must never need this
	locked := writerFunc(func(p []byte) (int, error) {
		if !mu.TryLock() {
			t.Error("concurrent Write calls")
			return 0, errors.New("concurrent")
		}
		defer mu.Unlock()
		return w.Write(p)
	})
	e := newExporter(t, console.Config{Format: console.FormatPut, Writer: locked})
	const goroutines, each = 8, 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				snap := testSnapshot()
				snap.Time = testTime.Add(time.Duration(g*each+i) * time.Second)
				if err := e.Export(context.Background(), snap); err != nil {
					t.Error(err)
				}
				_ = e.Points(snap)
			}
		})
	}
	wg.Wait()
	if w.writes != goroutines*each {
		t.Fatalf("%d writes, want %d", w.writes, goroutines*each)
	}
	lines := strings.Split(strings.TrimSuffix(w.String(), "\n"), "\n")
	per := strings.Count(testOutput, "\n")
	if len(lines) != goroutines*each*per {
		t.Fatalf("%d lines, want %d", len(lines), goroutines*each*per)
	}
	seen := map[string]bool{}
	for i := 0; i < len(lines); i += per {
		ts := strings.Fields(lines[i])[2]
		for _, l := range lines[i : i+per] {
			if strings.Fields(l)[2] != ts {
				t.Fatalf("snapshots interleaved at line %d", i)
			}
		}
		if seen[ts] {
			t.Fatalf("snapshot %s written twice", ts)
		}
		seen[ts] = true
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
