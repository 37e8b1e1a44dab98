package livepage

import (
	"fmt"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/vitals-go/vitals/metrics"
)

// observeAll feeds count snapshots to h, 10 s apart from t0 plus offset,
// cycling through snaps.
func observeAll(h *history, snaps []metrics.Snapshot, count int, offset time.Duration) {
	for i := range count {
		snap := snaps[i%len(snaps)]
		snap.Time = t0.Add(offset + time.Duration(i)*10*time.Second)
		h.observe(&snap)
	}
}

// capacityBytes adds up the columns, slots and series of h: what it
// holds, without the allocator's rounding and the map's buckets.
func capacityBytes(h *history) int {
	n := cap(h.times)*8 + cap(h.dts)*8 + (cap(h.list)+cap(h.order)+cap(h.spare))*8 + cap(h.key)
	for _, s := range h.list {
		n += int(unsafe.Sizeof(*s)) + len(s.id) + cap(s.tags)*int(unsafe.Sizeof(metrics.Tag{}))
		n += cap(s.vals)*4 + 3*cap(s.counts)*2 + cap(s.bands)*8 // pending is in the series
	}
	return n
}

// BenchmarkHistoryMemory measures the history of an hour at 10 s (360
// snapshots) of 1,000 series: the mix of examples/service (per queue two
// timers, a histogram, a meter, a gauge and a counter: half of the series
// are distributions), and the worst case, 1,000 timers. heap-B is the live
// heap it takes (runtime.MemStats.HeapAlloc after GC, with and without it);
// columns-B adds up its slices' capacities.
func BenchmarkHistoryMemory(b *testing.B) {
	for _, tc := range []struct {
		name       string
		timersOnly bool
	}{{"mix", false}, {"timers", true}} {
		b.Run(tc.name, func(b *testing.B) {
			snaps := mixSnapshots(b, 1000, 30, tc.timersOnly)
			b.ReportAllocs()
			var heap, columns int
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				h := newHistory(time.Hour, 10*time.Second, 1000)
				observeAll(h, snaps, 360, 0)
				runtime.GC()
				runtime.ReadMemStats(&after)
				heap = int(after.HeapAlloc) - int(before.HeapAlloc)
				columns = capacityBytes(h)
				if h.n != 360 || len(h.list) != 1000 {
					b.Fatalf("%d snapshots of %d series held", h.n, len(h.list))
				}
				runtime.KeepAlive(h)
			}
			b.ReportMetric(float64(heap), "heap-B")
			b.ReportMetric(float64(columns), "columns-B")
		})
	}
}

// BenchmarkObserve measures the cost of one snapshot to the Reporter's
// ticking goroutine, with a full history (an hour at 10 s): for 1,000
// series, and for 10,000 with the default MaxSeries (9,000 left out) and
// with MaxSeries 10,000.
func BenchmarkObserve(b *testing.B) {
	for _, tc := range []struct{ series, max, snaps int }{{1000, 1000, 30}, {10_000, 1000, 6}, {10_000, 10_000, 6}} {
		b.Run(fmt.Sprintf("series=%d/max=%d", tc.series, tc.max), func(b *testing.B) {
			snaps := mixSnapshots(b, tc.series, tc.snaps, false)
			h := newHistory(time.Hour, 10*time.Second, tc.max)
			observeAll(h, snaps, 360, 0)
			b.ReportAllocs()
			i := 360
			for b.Loop() {
				snap := snaps[i%len(snaps)]
				snap.Time = t0.Add(time.Duration(i) * 10 * time.Second)
				h.observe(&snap)
				i++
			}
		})
	}
}
