package exporters

import (
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// benchWorker returns a worker with a spool in a temporary directory, and a
// snapshot of a registry of n counters and one timer.
func benchWorker(b *testing.B, n int) (*worker, metrics.Snapshot) {
	b.Helper()
	reg := metrics.NewRegistry(metrics.WithMaxSeries(n + 100))
	if err := reg.SetDefaultTags(metrics.Tags{"host": "bench"}); err != nil {
		b.Fatal(err)
	}
	for i := range n - 1 {
		reg.Counter("requests", metrics.Tags{"route": "r" + strconv.Itoa(i)}).Inc(int64(i))
	}
	timer := reg.Timer("latency", nil)
	for i := range 1000 {
		timer.Update(time.Duration(i) * time.Microsecond)
	}
	s, err := Config{
		Exporters: map[string]Exporter{"db": nopExporter{}},
		SpoolDir:  b.TempDir(),
		Logger:    slog.New(slog.DiscardHandler),
	}.settings(reg)
	if err != nil {
		b.Fatal(err)
	}
	w := newWorker("db", nopExporter{}, s, time.Now())
	w.register(reg)
	w.openSpool(reg)
	if !w.spool.usable() {
		b.Fatalf("spool: %+v", w.spool.health())
	}
	b.Cleanup(func() { w.spool.close() })
	snap := reg.Peek()
	snap.Seq = 1
	return w, snap
}

// BenchmarkSpoolSnapshot is the worker's cost of spooling one snapshot
// during an outage: queued, then written to the spool (encoded, appended,
// fsynced) by spillPending.
func BenchmarkSpoolSnapshot(b *testing.B) {
	for _, n := range []int{200, 10000} {
		b.Run(strconv.Itoa(n)+"series", func(b *testing.B) {
			w, snap := benchWorker(b, n)
			b.ReportAllocs()
			for b.Loop() {
				snap.Seq++
				w.enqueue(snap)
				w.mu.Lock()
				w.lastFailed = true
				w.mu.Unlock()
				w.spillPending()
			}
			h := w.spool.health()
			if h.Records != b.N || w.self.dropped.Count() != 0 {
				b.Fatalf("%d snapshots spooled of %d, %d points dropped", h.Records, b.N, w.self.dropped.Count())
			}
			b.ReportMetric(float64(h.Bytes)/float64(b.N), "disk-B/snapshot")
		})
	}
}

// BenchmarkSpoolReplay is the worker's cost of taking one snapshot out of
// the spool once exported: read, checked and decoded (peek), then removed
// durably (pop).
func BenchmarkSpoolReplay(b *testing.B) {
	for _, n := range []int{200, 10000} {
		b.Run(strconv.Itoa(n)+"series", func(b *testing.B) {
			w, snap := benchWorker(b, n)
			for i := range b.N {
				snap.Seq = uint64(i + 1)
				if err := w.spool.append(&batch{snap: snap, points: len(snap.Series)}, "bench"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				rec := w.spool.peek()
				if rec == nil || !w.spool.pop(rec) {
					b.Fatal("the spool ran out")
				}
			}
		})
	}
}
