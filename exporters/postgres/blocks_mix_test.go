package postgres

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// A workload makes one interval's updates of a registry's series.
type workload func(r *rand.Rand)

// exampleWorkload registers the series of examples/service (its runtime
// metrics included) and returns its updates of one 10 s interval at the
// default -latency 20ms: two queues, each with ~400 flows in batches of
// 1-20 (meter flows, histogram batch.size), their processing times
// (timer stage.latency, exponential around 20 ms) and waits (around 80 ms),
// 1% errors (counter), and the queue depth (gauge).
func exampleWorkload(reg *metrics.Registry) workload {
	reg.EnableRuntimeMetrics()
	type queue struct {
		depth         *metrics.Gauge
		process, wait *metrics.Timer
		flows         *metrics.Meter
		batch         *metrics.Histogram
		errs          *metrics.Counter
	}
	var qs []queue
	for _, name := range []string{"in", "state"} {
		tags := metrics.Tags{"queue": name}
		qs = append(qs, queue{
			depth:   reg.Gauge("queue.depth", tags),
			process: reg.Timer("stage.latency", metrics.Tags{"queue": name, "stage": "process"}),
			wait:    reg.Timer("stage.latency", metrics.Tags{"queue": name, "stage": "wait"}),
			flows:   reg.Meter("flows", tags),
			batch:   reg.Histogram("batch.size", tags),
			errs:    reg.Counter("errors", tags),
		})
	}
	const latency = 20 * time.Millisecond
	return func(r *rand.Rand) {
		for _, q := range qs {
			items := 0
			for items < 400 {
				n := 1 + r.IntN(20)
				q.batch.Update(int64(n))
				q.flows.Mark(int64(n))
				items += n
			}
			for range items {
				q.process.Update(time.Duration(r.ExpFloat64() * float64(latency)))
				q.wait.Update(time.Duration(r.ExpFloat64() * 4 * float64(latency)))
				if r.IntN(100) == 0 {
					q.errs.Inc(1)
				}
			}
			q.depth.Update(int64(r.IntN(40)))
		}
	}
}

// soakWorkload registers series series as internal/soak's workload does
// (60% counters, 10% each of gauges, meters, histograms and timers) and
// returns one 10 s interval of its full soak's updates: 5 per series per
// second, to series drawn at random, with its values (gauges 0-999,
// histograms 1,000-100,000, timers 1-200 ms).
func soakWorkload(reg *metrics.Registry, series int) workload {
	var (
		counters   []*metrics.Counter
		gauges     []*metrics.Gauge
		meters     []*metrics.Meter
		histograms []*metrics.Histogram
		timers     []*metrics.Timer
	)
	for i := range series {
		tags := metrics.Tags{"endpoint": "e" + strconv.Itoa(i), "svc": "s" + strconv.Itoa(i%10)}
		switch i % 10 {
		case 0:
			gauges = append(gauges, reg.Gauge("soak.inflight", tags))
		case 1:
			meters = append(meters, reg.Meter("soak.requests", tags))
		case 2:
			histograms = append(histograms, reg.Histogram("soak.size", tags))
		case 3:
			timers = append(timers, reg.Timer("soak.latency", tags))
		default:
			counters = append(counters, reg.Counter("soak.events", tags))
		}
	}
	return func(r *rand.Rand) {
		for range 50 * series {
			x := r.Uint64()
			switch i := r.IntN(series); i % 10 {
			case 0:
				gauges[i/10%len(gauges)].Update(int64(x % 1000))
			case 1:
				meters[i/10%len(meters)].Mark(1)
			case 2:
				histograms[i/10%len(histograms)].Update(int64(1000 + x%99000))
			case 3:
				timers[i/10%len(timers)].Update(time.Millisecond + time.Duration(x%uint64(199*time.Millisecond)))
			default:
				counters[(i/10*6+i%10-4)%len(counters)].Inc(1)
			}
		}
	}
}

// exportIntervals exports n intervals of w through e, stamped first,
// first+10s, ...: each interval's updates, then the end of the interval.
// Under testing/synctest, sleep advances the fake clock by the interval
// first, so that rates move as in a process.
func exportIntervals(t testing.TB, e *Exporter, reg *metrics.Registry, w workload, r *rand.Rand,
	first time.Time, n int, sleep bool) {
	t.Helper()
	ir, err := reg.NewIntervalReader()
	if err != nil {
		t.Fatal(err)
	}
	defer ir.Close()
	for i := range n {
		w(r)
		if sleep {
			time.Sleep(10 * time.Second)
		}
		snap := ir.EndInterval()
		snap.Time = first.Add(time.Duration(i) * 10 * time.Second)
		if err := e.Export(context.Background(), snap); err != nil {
			t.Fatalf("export interval %d: %v", i, err)
		}
	}
}
