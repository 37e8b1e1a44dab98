package soak_test

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// workload is the application: series of every kind, and goroutines that
// update them at a steady rate.
type workload struct {
	counters   []*metrics.Counter
	gauges     []*metrics.Gauge
	meters     []*metrics.Meter
	histograms []*metrics.Histogram
	timers     []*metrics.Timer

	updates atomic.Int64
	stop    chan struct{}
	stopped sync.Once
	wg      sync.WaitGroup
}

// newWorkload registers series series in reg: 60% counters, and 10% each
// of gauges, meters, histograms and timers, in ten services.
func newWorkload(reg *metrics.Registry, series int) *workload {
	w := &workload{stop: make(chan struct{})}
	for i := range series {
		tags := metrics.Tags{"endpoint": "e" + strconv.Itoa(i), "svc": "s" + strconv.Itoa(i%10)}
		switch i % 10 {
		case 0:
			w.gauges = append(w.gauges, reg.Gauge("soak.inflight", tags))
		case 1:
			w.meters = append(w.meters, reg.Meter("soak.requests", tags))
		case 2:
			w.histograms = append(w.histograms, reg.Histogram("soak.size", tags))
		case 3:
			w.timers = append(w.timers, reg.Timer("soak.latency", tags))
		default:
			w.counters = append(w.counters, reg.Counter("soak.events", tags))
		}
	}
	return w
}

// update makes the k-th update: series k mod the series count, with a
// value drawn from x. Histograms and timers get values from a range that
// every one of them covers during the warm-up (1,000-100,000, 1-200 ms):
// their buckets are allocated as values first reach them, so values as low
// as 1 ns would keep the heap growing, slowly and boundedly, for hours.
func (w *workload) update(k int, x uint64) {
	n := len(w.counters) + len(w.gauges) + len(w.meters) + len(w.histograms) + len(w.timers)
	i := k % n
	switch i % 10 {
	case 0:
		w.gauges[i/10%len(w.gauges)].Update(int64(x % 1000))
	case 1:
		w.meters[i/10%len(w.meters)].Mark(1)
	case 2:
		w.histograms[i/10%len(w.histograms)].Update(int64(1000 + x%99000))
	case 3:
		w.timers[i/10%len(w.timers)].Update(time.Millisecond + time.Duration(x%uint64(199*time.Millisecond)))
	default:
		w.counters[(i/10*6+i%10-4)%len(w.counters)].Inc(1)
	}
}

// start runs workers goroutines making rate updates a second between them,
// in bursts every 5 ms. A worker that falls behind catches up as fast as it
// can, so the rate achieved says whether the hot path kept up.
func (w *workload) start(rate, workers int) {
	for g := range workers {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			perWorker := float64(rate) / float64(workers)
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			began, done := time.Now(), 0
			k, x := g*7919, uint64(g)*0x9e3779b97f4a7c15+1
			for {
				select {
				case <-w.stop:
					return
				case <-tick.C:
				}
				due := int(perWorker * time.Since(began).Seconds())
				burst := due - done
				for range burst {
					x ^= x << 13 // xorshift64
					x ^= x >> 7
					x ^= x << 17
					w.update(k, x)
					k += 7 // prime stride: every series in turn
				}
				done = due
				w.updates.Add(int64(burst))
			}
		}()
	}
}

// end stops the workers and waits for them. It may be called again.
func (w *workload) end() {
	w.stopped.Do(func() { close(w.stop) })
	w.wg.Wait()
}
