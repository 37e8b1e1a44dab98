package postgres

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// fleetProcess is one simulated process of BenchmarkFleet: its own
// registry, holding the series of examples/service (two queues, and the
// runtime metrics) and a soak-style mix (internal/soak: 60% counters, 10%
// each of gauges, meters, histograms and timers), and its own Exporter.
// work records one interval's worth of updates; flush ends the interval
// and exports it at a simulated time.
type fleetProcess struct {
	reg    *metrics.Registry
	reader *metrics.IntervalReader
	e      *Exporter
	rng    *rand.Rand

	counters   []*metrics.Counter
	gauges     []*metrics.Gauge
	meters     []*metrics.Meter
	histograms []*metrics.Histogram
	timers     []*metrics.Timer
}

// fleetSoakSeries is the number of soak-style series of a process, beside
// the 20 of examples/service: 200 series in all.
const fleetSoakSeries = 180

// newFleetProcess registers the series of process i (its host tag) in a
// registry of its own.
func newFleetProcess(i int) (*fleetProcess, error) {
	reg := metrics.NewRegistry()
	if err := reg.SetDefaultTags(metrics.Tags{
		metrics.TagHost: "host-" + strconv.Itoa(i), metrics.TagService: "flows", metrics.TagVersion: "v42",
	}); err != nil {
		return nil, err
	}
	p := &fleetProcess{reg: reg, rng: rand.New(rand.NewPCG(uint64(i), 0x9e3779b97f4a7c15))}
	// examples/service: per queue a depth gauge, two stage timers, a
	// meter, a batch-size histogram and an error counter.
	for _, queue := range []string{"in", "state"} {
		tags := metrics.Tags{"queue": queue}
		p.gauges = append(p.gauges, reg.Gauge("queue.depth", tags))
		p.timers = append(p.timers,
			reg.Timer("stage.latency", metrics.Tags{"queue": queue, "stage": "process"}),
			reg.Timer("stage.latency", metrics.Tags{"queue": queue, "stage": "wait"}))
		p.meters = append(p.meters, reg.Meter("flows", tags))
		p.histograms = append(p.histograms, reg.Histogram("batch.size", tags))
		p.counters = append(p.counters, reg.Counter("errors", tags))
	}
	// Its runtime metrics (metrics.Registry.EnableRuntimeMetrics), here
	// fed simulated values: five gauges, a counter and two timers.
	for _, name := range []string{"go.goroutines", "go.heap.objects.bytes", "go.memory.total.bytes", "go.gc.heap.goal.bytes", "go.gomaxprocs"} {
		p.gauges = append(p.gauges, reg.Gauge(name, nil))
	}
	p.counters = append(p.counters, reg.Counter("go.gc.cycles", nil))
	p.timers = append(p.timers, reg.Timer("go.gc.pause", nil), reg.Timer("go.sched.latency", nil))
	// The soak mix.
	for k := range fleetSoakSeries {
		tags := metrics.Tags{"endpoint": "e" + strconv.Itoa(k), "svc": "s" + strconv.Itoa(k%10)}
		switch k % 10 {
		case 0:
			p.gauges = append(p.gauges, reg.Gauge("soak.inflight", tags))
		case 1:
			p.meters = append(p.meters, reg.Meter("soak.requests", tags))
		case 2:
			p.histograms = append(p.histograms, reg.Histogram("soak.size", tags))
		case 3:
			p.timers = append(p.timers, reg.Timer("soak.latency", tags))
		default:
			p.counters = append(p.counters, reg.Counter("soak.events", tags))
		}
	}
	var err error
	if p.reader, err = reg.NewIntervalReader(); err != nil {
		return nil, err
	}
	p.work()
	return p, nil
}

// work records an interval of activity: a few events per counter and
// meter, a new value per gauge, 5 to 60 values per histogram and timer
// (timers log-normal around 2 ms, histograms 1 to 1,000).
func (p *fleetProcess) work() {
	r := p.rng
	for _, c := range p.counters {
		c.Inc(int64(r.IntN(20)))
	}
	for _, m := range p.meters {
		m.Mark(int64(r.IntN(200)))
	}
	for _, g := range p.gauges {
		g.Update(int64(r.IntN(1000)))
	}
	for _, h := range p.histograms {
		for range 5 + r.IntN(56) {
			h.Update(1 + int64(r.IntN(1000)))
		}
	}
	for _, t := range p.timers {
		for range 5 + r.IntN(56) {
			t.Update(time.Duration(2e6 * math.Exp(0.8*r.NormFloat64())))
		}
	}
}

// snapshot ends the interval, dated at.
func (p *fleetProcess) snapshot(at time.Time) metrics.Snapshot {
	snap := p.reader.EndInterval()
	snap.Time = at
	return snap
}
