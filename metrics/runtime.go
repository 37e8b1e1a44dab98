package metrics

import (
	"math"
	"math/bits"
	"runtime/metrics"
	"sync"
	"time"
)

// The runtime/metrics samples EnableRuntimeMetrics reads, by index.
const (
	sampleGoroutines = iota
	sampleHeap
	sampleTotal
	sampleGoal
	sampleGOMAXPROCS
	sampleGCCycles
	sampleGCPauses
	sampleSchedLatencies
	sampleCount
)

var runtimeSamples = [sampleCount]string{
	sampleGoroutines:     "/sched/goroutines:goroutines",
	sampleHeap:           "/memory/classes/heap/objects:bytes",
	sampleTotal:          "/memory/classes/total:bytes",
	sampleGoal:           "/gc/heap/goal:bytes",
	sampleGOMAXPROCS:     "/sched/gomaxprocs:threads",
	sampleGCCycles:       "/gc/cycles/total:gc-cycles",
	sampleGCPauses:       "/sched/pauses/total/gc:seconds",
	sampleSchedLatencies: "/sched/latencies:seconds",
}

// maxValuesPerRead bounds the values one read records into a timer from a
// runtime histogram. A busy process gains millions of scheduling latencies
// between two snapshots; recording 65,536 of them takes under a millisecond
// (BenchmarkHistogramDeltaFull).
const maxValuesPerRead = 1 << 16

// EnableRuntimeMetrics registers series read from runtime/metrics at every
// snapshot: go.goroutines, go.heap.objects.bytes, go.memory.total.bytes,
// go.gc.heap.goal.bytes and go.gomaxprocs (gauges), go.gc.cycles (a counter),
// go.gc.pause (a timer of stop-the-world GC pauses) and go.sched.latency (a
// timer of the time goroutines spent runnable before they ran). Calling it
// again does nothing.
//
// The two timers come from the runtime's cumulative histograms: each
// snapshot records the values the runtime counted since the previous one, at
// a representative duration of the runtime's bucket (see bucketDuration:
// within 11.1% of the exact value from 512 ns up, within 64 ns below, before
// the timer's own 1%). The runtime samples scheduling latencies (about one
// goroutine switch in eight), so go.sched.latency's count is a sample too,
// and when more than 65,536 values arrived in one interval the timer records
// exactly 65,536 of them, spread over the buckets so that every quantile
// keeps its rank within 1/65,536: the quantiles describe all the values,
// while the count, sum and rates are scaled down.
func (r *Registry) EnableRuntimeMetrics() {
	r.mu.Lock()
	enabled := r.runtimeEnabled
	r.runtimeEnabled = true
	r.mu.Unlock()
	if enabled {
		return
	}
	rc := &runtimeCollector{
		samples:    make([]metrics.Sample, sampleCount),
		goroutines: r.Gauge("go.goroutines", nil),
		heap:       r.Gauge("go.heap.objects.bytes", nil),
		total:      r.Gauge("go.memory.total.bytes", nil),
		goal:       r.Gauge("go.gc.heap.goal.bytes", nil),
		gomaxprocs: r.Gauge("go.gomaxprocs", nil),
		cycles:     r.Counter("go.gc.cycles", nil),
		pauses:     r.Timer("go.gc.pause", nil),
		latencies:  r.Timer("go.sched.latency", nil),
	}
	for i, name := range runtimeSamples {
		rc.samples[i].Name = name
	}
	rc.collect() // start the deltas from now
	r.mu.Lock()
	r.collectors = append(r.collectors, rc.collect)
	r.mu.Unlock()
}

type runtimeCollector struct {
	mu                      sync.Mutex
	samples                 []metrics.Sample
	goroutines, heap, total *Gauge
	goal, gomaxprocs        *Gauge
	cycles                  *Counter
	pauses, latencies       *Timer
	lastCycles              uint64
	lastPauses, lastLatency histogramDelta
}

func (c *runtimeCollector) collect() {
	c.mu.Lock()
	defer c.mu.Unlock()
	metrics.Read(c.samples)
	c.goroutines.Update(int64(uint64Value(c.samples[sampleGoroutines])))
	c.heap.Update(int64(uint64Value(c.samples[sampleHeap])))
	c.total.Update(int64(uint64Value(c.samples[sampleTotal])))
	c.goal.Update(int64(uint64Value(c.samples[sampleGoal])))
	c.gomaxprocs.Update(int64(uint64Value(c.samples[sampleGOMAXPROCS])))
	if cycles := uint64Value(c.samples[sampleGCCycles]); cycles > c.lastCycles {
		c.cycles.Inc(int64(cycles - c.lastCycles))
		c.lastCycles = cycles
	}
	if h := histogramValue(c.samples[sampleGCPauses]); h != nil {
		c.lastPauses.record(h, c.pauses)
	}
	if h := histogramValue(c.samples[sampleSchedLatencies]); h != nil {
		c.lastLatency.record(h, c.latencies)
	}
}

// histogramDelta turns a cumulative runtime histogram into the values it
// gained between two reads.
type histogramDelta struct {
	last []uint64 // the counts at the previous read; nil before the first
}

// record records into t the values h gained since the previous call (none
// on the first call), each at its bucket's bucketDuration. When h gained
// more than maxValuesPerRead values, it records maxValuesPerRead of them:
// the values recorded at or below each bucket are
// floor(gained at or below it * maxValuesPerRead / gained), so their share
// differs from the share of all gained values by less than
// 1/maxValuesPerRead: a quantile's rank moves by less than one recorded
// value.
func (hd *histogramDelta) record(h *metrics.Float64Histogram, t *Timer) {
	if len(hd.last) != len(h.Counts) || len(h.Buckets) != len(h.Counts)+1 {
		hd.last = append(hd.last[:0], h.Counts...) // first read, or new buckets
		return
	}
	var gained uint64
	for i, n := range h.Counts {
		if n > hd.last[i] {
			gained += n - hd.last[i]
		}
	}
	var upTo, recorded uint64 // gained and recorded at or below bucket i
	for i, n := range h.Counts {
		prev := hd.last[i]
		hd.last[i] = n
		if n <= prev {
			continue
		}
		upTo += n - prev
		want := upTo
		if gained > maxValuesPerRead {
			// upTo*maxValuesPerRead/gained, without overflow; the
			// quotient is at most maxValuesPerRead.
			hi, lo := bits.Mul64(upTo, maxValuesPerRead)
			want, _ = bits.Div64(hi, lo, gained)
		}
		d := bucketDuration(h.Buckets[i], h.Buckets[i+1])
		for ; recorded < want; recorded++ {
			t.Update(d)
		}
	}
}

// bucketDuration is the duration that stands for the values of a runtime
// histogram bucket [lo, hi) seconds. For 0 < lo and a finite hi it is the
// harmonic midpoint 2*lo*hi/(lo+hi), the value whose largest relative error
// over the bucket is smallest: (hi-lo)/(hi+lo), 1/9 = 11.1% for the runtime's
// quarter-octave time buckets (hi/lo <= 1.25, from 512 ns up) and less than
// the 64 ns width of its buckets below. A bucket that starts at or below 0
// stands for hi/2 (0 for (-Inf, 0)), and the last, unbounded one for lo.
func bucketDuration(lo, hi float64) time.Duration {
	var s float64
	switch {
	case math.IsInf(hi, 1):
		s = lo
	case !(lo > 0):
		s = hi / 2
	default:
		s = 2 * lo * hi / (lo + hi)
	}
	return time.Duration(math.Round(s * 1e9))
}

func uint64Value(s metrics.Sample) uint64 {
	if s.Value.Kind() == metrics.KindUint64 {
		return s.Value.Uint64()
	}
	return 0
}

// histogramValue returns the sample's histogram, or nil when the runtime does
// not provide it.
func histogramValue(s metrics.Sample) *metrics.Float64Histogram {
	if s.Value.Kind() == metrics.KindFloat64Histogram {
		return s.Value.Float64Histogram()
	}
	return nil
}
