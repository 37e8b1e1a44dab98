package metrics

import (
	"math"
	"runtime"
	rtmetrics "runtime/metrics"
	"testing"
	"time"
)

func TestRuntimeMetrics(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	r.EnableRuntimeMetrics()
	r.EnableRuntimeMetrics() // twice is once
	runtime.GC()
	runtime.GC()
	pingPong(20000) // goroutine switches, about one in eight sampled by the runtime
	snap := endInterval(t, r)
	if len(snap.Series) != 8 {
		t.Fatalf("%d runtime series, want 8", len(snap.Series))
	}
	if s := seriesByName(t, snap, "go.goroutines"); s.Value < 1 {
		t.Fatalf("goroutines %+v", s)
	}
	if s := seriesByName(t, snap, "go.heap.objects.bytes"); s.Value <= 0 {
		t.Fatalf("heap %+v", s)
	}
	if s := seriesByName(t, snap, "go.gomaxprocs"); s.Value != float64(runtime.GOMAXPROCS(0)) {
		t.Fatalf("gomaxprocs %v, want %d", s.Value, runtime.GOMAXPROCS(0))
	}
	if s := seriesByName(t, snap, "go.gc.cycles"); s.Count < 2 {
		t.Fatalf("GC cycles since enabling: %+v", s)
	}
	if s := seriesByName(t, snap, "go.gc.pause"); s.Kind != KindTimer || s.Summary.Count < 2 || s.Summary.Max <= 0 {
		t.Fatalf("GC pauses since enabling: %+v", s.Summary)
	}
	s := seriesByName(t, snap, "go.sched.latency")
	if s.Kind != KindTimer || s.Unit != "ns" || s.Summary.Count < 1 || s.Summary.Max <= 0 || s.Summary.P99 < s.Summary.P50 {
		t.Fatalf("scheduling latencies since enabling: %+v", s)
	}
	// The next snapshot exports only what happened since this one.
	if s := seriesByName(t, endInterval(t, r), "go.sched.latency"); s.Summary.Count > s.Count/2 {
		t.Fatalf("second interval has %d of %d latencies", s.Summary.Count, s.Count)
	}
}

// pingPong makes n round trips between two goroutines.
func pingPong(n int) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	for i := range n {
		ping <- i
		<-pong
	}
	close(ping)
}

// testBuckets are the bounds of a runtime-like histogram, in seconds.
var testBuckets = []float64{math.Inf(-1), 0, 64e-9, 128e-9, 1e-6, 1.25e-6, 1e-3, 1.25e-3, 1, math.Inf(1)}

func TestHistogramDeltaRecordsWhatWasGained(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	tm := r.Timer("t", nil)
	var hd histogramDelta
	h := &rtmetrics.Float64Histogram{Buckets: testBuckets, Counts: []uint64{0, 1, 2, 3, 4, 5, 6, 7, 8}}
	hd.record(h, tm) // the first read only sets the start
	if n := tm.Count(); n != 0 {
		t.Fatalf("first read recorded %d values", n)
	}
	gain := []uint64{0, 1, 2, 0, 3, 0, 0, 0, 4} // 1 in [0, 64ns), ..., 4 beyond 1 s
	for i := range h.Counts {
		h.Counts[i] += gain[i]
	}
	hd.record(h, tm)
	sum := seriesByName(t, endInterval(t, r), "t").Summary
	want := map[int32]uint64{
		BucketIndex(32):                     1, // hi/2
		BucketIndex(85):                     2, // 2*64*128/192 = 85.3
		BucketIndex(1111):                   3, // 2*1*1.25/2.25 µs
		BucketIndex(int64(time.Second)):     4, // lo of the last bucket
		BucketIndex(int64(time.Second)) + 1: 0,
	}
	for _, b := range sum.Buckets {
		if want[b.Index] != b.Count {
			t.Fatalf("bucket %d has %d values, want %d; all: %+v", b.Index, b.Count, want[b.Index], sum.Buckets)
		}
	}
	if sum.Count != 10 || sum.Max != int64(time.Second) || sum.Min != 32 {
		t.Fatalf("summary %+v", sum)
	}

	// Counts that fall back, and a change of buckets, record nothing.
	h.Counts[3] = 0
	hd.record(h, tm)
	hd.record(&rtmetrics.Float64Histogram{Buckets: testBuckets[:3], Counts: []uint64{5, 5}}, tm)
	if n := seriesByName(t, endInterval(t, r), "t").Summary.Count; n != 0 {
		t.Fatalf("recorded %d values", n)
	}
}

func TestHistogramDeltaKeepsQuantilesWhenScalingDown(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	tm := r.Timer("t", nil)
	var hd histogramDelta
	h := &rtmetrics.Float64Histogram{Buckets: testBuckets, Counts: make([]uint64, len(testBuckets)-1)}
	hd.record(h, tm)
	// 10^7 values with a thin tail: 99.5% at about 1.1 µs, 0.45% between
	// 1.25 µs and 1 ms, 4,999 at about 1.1 ms and one beyond a second.
	h.Counts = []uint64{0, 0, 0, 0, 9_950_000, 45_000, 4_999, 0, 1}
	hd.record(h, tm)
	sum := seriesByName(t, endInterval(t, r), "t").Summary
	if sum.Count != maxValuesPerRead {
		t.Fatalf("recorded %d values, want %d", sum.Count, maxValuesPerRead)
	}
	var gained, upTo, recorded uint64
	for _, n := range h.Counts {
		gained += n
	}
	for i, n := range h.Counts {
		upTo += n
		d := bucketDuration(testBuckets[i], testBuckets[i+1])
		recorded = 0
		for _, b := range sum.Buckets {
			if b.Index <= BucketIndex(int64(d)) {
				recorded += b.Count
			}
		}
		if diff := float64(upTo)/float64(gained) - float64(recorded)/maxValuesPerRead; diff < 0 || diff >= 1.0/maxValuesPerRead {
			t.Fatalf("at or below bucket %d: %d of %d gained, %d of %d recorded", i, upTo, gained, recorded, maxValuesPerRead)
		}
	}
	if want := float64(bucketDuration(1e-6, 1.25e-6)); math.Abs(sum.P99-want) > want/100 {
		t.Fatalf("p99 %v, want %v", sum.P99, want)
	}
	if want := float64(bucketDuration(1.25e-6, 1e-3)); math.Abs(sum.P999-want) > want/100 {
		t.Fatalf("p99.9 %v, want %v", sum.P999, want)
	}
}

// TestBucketDurationError checks the error bounds EnableRuntimeMetrics
// documents against the buckets of the running runtime.
func TestBucketDurationError(t *testing.T) {
	for _, name := range []string{"/sched/latencies:seconds", "/sched/pauses/total/gc:seconds"} {
		s := []rtmetrics.Sample{{Name: name}}
		rtmetrics.Read(s)
		h := histogramValue(s[0])
		if h == nil {
			t.Fatalf("%s: no histogram", name)
		}
		for i := range h.Counts {
			lo, hi := h.Buckets[i], h.Buckets[i+1]
			d := bucketDuration(lo, hi).Seconds()
			switch {
			case math.IsInf(lo, -1) || math.IsInf(hi, 1):
				if want := max(lo, 0); math.Abs(d-want) > 1e-9 {
					t.Fatalf("%s: [%g, %g) stands for %g s", name, lo, hi, d)
				}
			case lo >= 512e-9:
				if e := max((d-lo)/lo, (hi-d)/hi); e > 1.0/9+0.5e-9/lo { // and the rounding to whole nanoseconds
					t.Fatalf("%s: [%g, %g) stands for %g s, %.1f%% off", name, lo, hi, d, 100*e)
				}
			default:
				if e := max(d-lo, hi-d); e >= 64e-9 {
					t.Fatalf("%s: [%g, %g) stands for %g s, %g s off", name, lo, hi, d, e)
				}
			}
		}
	}
}

// BenchmarkRuntimeCollect is one read of the runtime metrics with nothing
// new in the histograms.
func BenchmarkRuntimeCollect(b *testing.B) {
	r := NewRegistry()
	r.EnableRuntimeMetrics()
	c := r.collectors[0]
	b.ReportAllocs()
	for b.Loop() {
		c()
	}
}

// BenchmarkHistogramDeltaFull is the most one read records: more than
// maxValuesPerRead new values.
func BenchmarkHistogramDeltaFull(b *testing.B) {
	tm := NewRegistry().Timer("t", nil)
	var hd histogramDelta
	h := &rtmetrics.Float64Histogram{Buckets: testBuckets, Counts: make([]uint64, len(testBuckets)-1)}
	hd.record(h, tm)
	b.ReportAllocs()
	for b.Loop() {
		for i := range h.Counts {
			h.Counts[i] += 1 << 20
		}
		hd.record(h, tm)
	}
}
