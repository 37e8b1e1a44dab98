package metrics

import (
	"math"
	"runtime/metrics"
	"sync"
	"time"
)

// The runtime/metrics samples EnableRuntimeMetrics reads, in this order.
var runtimeSamples = []string{
	"/sched/goroutines:goroutines",
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/total:bytes",
	"/gc/heap/goal:bytes",
	"/gc/cycles/total:gc-cycles",
	"/sched/pauses/total/gc:seconds",
}

// maxPausesPerRead bounds the work of one read when the runtime reports an
// enormous number of new GC pauses at once.
const maxPausesPerRead = 100000

// EnableRuntimeMetrics registers series read from runtime/metrics at every
// snapshot: go.goroutines, go.heap.objects.bytes, go.memory.total.bytes and
// go.gc.heap.goal.bytes (gauges), go.gc.cycles (a counter) and go.gc.pause
// (a timer of stop-the-world GC pauses). Calling it again does nothing.
func (r *Registry) EnableRuntimeMetrics() {
	r.mu.Lock()
	enabled := r.runtimeEnabled
	r.runtimeEnabled = true
	r.mu.Unlock()
	if enabled {
		return
	}
	rc := &runtimeCollector{
		samples:    make([]metrics.Sample, len(runtimeSamples)),
		goroutines: r.Gauge("go.goroutines", nil),
		heap:       r.Gauge("go.heap.objects.bytes", nil),
		total:      r.Gauge("go.memory.total.bytes", nil),
		goal:       r.Gauge("go.gc.heap.goal.bytes", nil),
		cycles:     r.Counter("go.gc.cycles", nil),
		pauses:     r.Timer("go.gc.pause", nil),
	}
	for i, name := range runtimeSamples {
		rc.samples[i].Name = name
	}
	rc.collect() // start the GC deltas from now
	r.mu.Lock()
	r.collectors = append(r.collectors, rc.collect)
	r.mu.Unlock()
}

type runtimeCollector struct {
	mu                      sync.Mutex
	samples                 []metrics.Sample
	goroutines, heap, total *Gauge
	goal                    *Gauge
	cycles                  *Counter
	pauses                  *Timer
	lastCycles              uint64
	lastPauses              []uint64
}

func (c *runtimeCollector) collect() {
	c.mu.Lock()
	defer c.mu.Unlock()
	metrics.Read(c.samples)
	c.goroutines.Update(int64(uint64Value(c.samples[0])))
	c.heap.Update(int64(uint64Value(c.samples[1])))
	c.total.Update(int64(uint64Value(c.samples[2])))
	c.goal.Update(int64(uint64Value(c.samples[3])))
	if cycles := uint64Value(c.samples[4]); cycles > c.lastCycles {
		c.cycles.Inc(int64(cycles - c.lastCycles))
		c.lastCycles = cycles
	}
	if c.samples[5].Value.Kind() != metrics.KindFloat64Histogram {
		return
	}
	h := c.samples[5].Value.Float64Histogram()
	first := c.lastPauses == nil
	if len(c.lastPauses) != len(h.Counts) {
		c.lastPauses = make([]uint64, len(h.Counts))
	}
	recorded := 0
	for i, n := range h.Counts {
		prev := c.lastPauses[i]
		c.lastPauses[i] = n
		if first || n <= prev {
			continue
		}
		d := pauseDuration(h.Buckets[i], h.Buckets[i+1])
		delta := n - prev
		for ; delta > 0 && recorded < maxPausesPerRead; delta-- {
			c.pauses.Update(d)
			recorded++
		}
	}
}

// pauseDuration is the duration that stands for a runtime histogram bucket
// [lo, hi) seconds: its midpoint, or its finite edge when the other is
// infinite.
func pauseDuration(lo, hi float64) time.Duration {
	switch {
	case math.IsInf(lo, -1):
		lo = 0
	case math.IsInf(hi, 1):
		hi = lo
	}
	return time.Duration((lo + hi) / 2 * 1e9)
}

func uint64Value(s metrics.Sample) uint64 {
	if s.Value.Kind() == metrics.KindUint64 {
		return s.Value.Uint64()
	}
	return 0
}
