package opentsdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/internal/tsdb"
	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/metrics"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

var prefixSeq atomic.Int64

// uniquePrefix returns a metric prefix no other test (or run against the
// same server) uses: the tests share one VictoriaMetrics.
func uniquePrefix(t testing.TB) string {
	name := regexp.MustCompile(`[^a-zA-Z0-9]+`).ReplaceAllString(t.Name(), "_")
	return fmt.Sprintf("vt%d_%d.%s", time.Now().UnixNano()%1e9, prefixSeq.Add(1), strings.ToLower(name))
}

// testLogger sends the exporter's log lines to the test log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

var discardLogger = slog.New(slog.DiscardHandler)

// everyKind returns a snapshot of a registry holding a series of every kind,
// with tags that need sanitizing and a default host tag.
func everyKind(t testing.TB) metrics.Snapshot {
	t.Helper()
	r := metrics.NewRegistry(metrics.WithLogger(discardLogger))
	if err := r.SetDefaultTags(metrics.Tags{"host": "web01.example.com", "service": "alerts"}); err != nil {
		t.Fatal(err)
	}
	r.Counter("requests", metrics.Tags{"path": "/api/v1 users", "code": "2xx"}).Inc(1234567)
	r.Counter("requests", metrics.Tags{"path": "/api/v1 users", "code": "5xx"}).Inc(3)
	r.Counter("requests.untagged", nil).Inc(42)
	r.Gauge("queue.depth", metrics.Tags{"queue": `name "quoted"=x`}).Update(-17)
	r.GaugeFloat64("cpu.load", metrics.Tags{"core": "0"}).Update(0.1 + 0.2)
	r.FunctionalGauge("goroutines", nil, func() int64 { return 99 })
	r.FunctionalGaugeFloat64("temperature", metrics.Tags{"unit": "°C"}, func() float64 { return -3.25e-7 })
	r.Meter("events", metrics.Tags{"kind": "click/tap"}).Mark(500)
	h := r.Histogram("payload.bytes", metrics.Tags{"dir": "in"})
	for _, v := range []int64{100, 2000, 30000, 400000, 5, 5, 5} {
		h.Update(v)
	}
	r.Histogram("payload.empty", nil) // nothing recorded: only its count
	tm := r.Timer("query.latency", metrics.Tags{"stage": "plan", "db": "ünïcödé"})
	for _, d := range []time.Duration{1500 * time.Microsecond, 3 * time.Millisecond, 250 * time.Millisecond, 42 * time.Nanosecond} {
		tm.Update(d)
	}
	snap := r.Peek()
	if len(snap.Series) != 11 {
		t.Fatalf("registry snapshot has %d series, want 11", len(snap.Series))
	}
	return snap
}

// withInvalid returns snap plus series whose points cannot be stored: a NaN
// gauge and a counter with more than 8 tags. It also returns how many
// invalid points they make.
func withInvalid(snap metrics.Snapshot) (metrics.Snapshot, int) {
	many := make([]metrics.Tag, 9)
	for i := range many {
		many[i] = metrics.Tag{Key: fmt.Sprintf("k%d", i), Value: "v"}
	}
	snap.Series = append(slices.Clip(snap.Series),
		metrics.Series{Name: "bad.nan", Kind: metrics.KindGaugeFloat64, Value: math.NaN()},
		metrics.Series{Name: "bad.tags", Kind: metrics.KindCounter, Count: 1, Tags: many},
	)
	return snap, 2
}

// wantSeries is what a VictoriaMetrics export should hold for snap sent
// with cfg: one sample per point, keyed by seriesKey. telnet timestamps
// are whole seconds.
func wantSeries(t testing.TB, snap metrics.Snapshot, cfg Config, telnet bool) map[string]sample {
	t.Helper()
	s, err := cfg.settings()
	if err != nil {
		t.Fatal(err)
	}
	points, _ := tsdb.Flatten(nil, snap, s.flatten)
	ts := snap.Time.UnixMilli()
	if telnet {
		ts = snap.Time.Unix() * 1000
	}
	want := make(map[string]sample, len(points))
	for _, p := range points {
		tags := map[string]string{}
		for _, tag := range p.Tags {
			tags[tag.Key] = tag.Value
		}
		key := seriesKey(p.Metric, tags)
		if _, dup := want[key]; dup {
			t.Fatalf("two points for series %s", key)
		}
		want[key] = sample{value: p.Value, ts: ts}
	}
	return want
}

type sample struct {
	value float64
	ts    int64
}

func seriesKey(name string, tags map[string]string) string {
	var b strings.Builder
	b.WriteString(name)
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		fmt.Fprintf(&b, " %s=%s", k, tags[k])
	}
	return b.String()
}

// readBack polls VictoriaMetrics until it holds at least want series named
// prefix.*, and returns them by seriesKey.
func readBack(t testing.TB, vm *testenv.VMServer, prefix string, want int) map[string]testenv.ExportedSeries {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The prefix holds only [a-z0-9_.]: escape its dots for the regexp,
	// inside a PromQL string.
	match := `{__name__=~"` + strings.ReplaceAll(prefix, ".", `\\.`) + `\\..*"}`
	for {
		if err := vm.ForceFlush(ctx); err != nil {
			t.Fatalf("ForceFlush: %v", err)
		}
		got, err := vm.Export(ctx, match)
		if err != nil {
			t.Fatalf("Export: %v", err)
		}
		if len(got) >= want {
			out := make(map[string]testenv.ExportedSeries, len(got))
			for _, s := range got {
				out[seriesKey(s.Name, s.Tags)] = s
			}
			return out
		}
		select {
		case <-ctx.Done():
			t.Fatalf("VictoriaMetrics holds %d series %s, want %d", len(got), match, want)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// checkStored compares what VictoriaMetrics holds under prefix with want:
// every series, exactly one sample each, exact values and timestamps.
func checkStored(t testing.TB, vm *testenv.VMServer, prefix string, want map[string]sample) {
	t.Helper()
	got := readBack(t, vm, prefix, len(want))
	for key, w := range want {
		s, ok := got[key]
		switch {
		case !ok:
			t.Errorf("series %s missing", key)
		case len(s.Values) != 1:
			t.Errorf("series %s has %d samples %v at %v, want 1", key, len(s.Values), s.Values, s.Timestamps)
		case !sameValue(s.Values[0], w.value) || s.Timestamps[0] != w.ts:
			t.Errorf("series %s = %v at %d, want %v at %d", key, s.Values[0], s.Timestamps[0], w.value, w.ts)
		}
	}
	for key := range got {
		if _, ok := want[key]; !ok {
			t.Errorf("unexpected series %s", key)
		}
	}
}

// sameValue compares a value read back from VictoriaMetrics with the one
// sent. VictoriaMetrics stores a float as a decimal of 12 or so significant
// digits (61730.71428571428 reads back as 61730.71428571), so only whole
// numbers, which all counts are, come back exactly.
func sameValue(got, want float64) bool {
	if want == math.Trunc(want) && math.Abs(want) < 1<<53 {
		return got == want
	}
	return math.Abs(got-want) <= 1e-11*math.Abs(want)
}

// checkNoBadRows fails if VictoriaMetrics dropped any row it was sent as
// invalid or ignored, for any test so far.
func checkNoBadRows(t testing.TB, vm *testenv.VMServer) {
	t.Helper()
	for _, name := range []string{"vm_rows_invalid_total", "vm_rows_ignored_total"} {
		n, err := vm.Metric(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s = %v, want 0", name, n)
		}
	}
}

// newExporter returns an exporter shut down at the end of the test.
func newExporter(t testing.TB, cfg Config) *Exporter {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	return e
}

// exportUntil calls Export until it returns something other than a
// transient error, at most attempts times, and returns that and the number
// of transient errors before it.
func exportUntil(t testing.TB, e *Exporter, snap metrics.Snapshot, attempts int) (err error, transient int) {
	t.Helper()
	for range attempts {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = e.Export(ctx, snap)
		cancel()
		if err == nil || isRejected(err) {
			return err, transient
		}
		t.Logf("transient: %v", err)
		transient++
	}
	t.Fatalf("Export still failing after %d attempts: %v", attempts, err)
	return err, transient
}

// waitGoroutines waits until at most n goroutines run.
func waitGoroutines(t testing.TB, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func isRejected(err error) bool { return errors.Is(err, exporters.ErrRejected) }

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
