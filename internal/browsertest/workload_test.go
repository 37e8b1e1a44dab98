package browsertest

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// simulate registers a mix of every kind of series in reg, tagged as a
// service's would be, and updates them from a goroutine until the test
// ends.
func simulate(t *testing.T, reg *metrics.Registry) {
	t.Helper()
	requests := []*metrics.Counter{
		reg.Counter("http.requests", metrics.Tags{"route": "/checkout", "status": "200"}),
		reg.Counter("http.requests", metrics.Tags{"route": "/checkout", "status": "500"}),
		reg.Counter("http.requests", metrics.Tags{"route": "/search", "status": "200"}),
	}
	depths := []*metrics.Gauge{
		reg.Gauge("queue.depth", metrics.Tags{"queue": "in"}),
		reg.Gauge("queue.depth", metrics.Tags{"queue": "state"}),
	}
	ratio := reg.GaugeFloat64("cache.hit_ratio", nil)
	flows := reg.Meter("flows", metrics.Tags{"queue": "in"})
	batch := reg.Histogram("batch.size", metrics.Tags{"queue": "in"})
	stages := []*metrics.Timer{
		reg.Timer("stage.latency", metrics.Tags{"stage": "process"}),
		reg.Timer("stage.latency", metrics.Tags{"stage": "wait"}),
	}

	done := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() {
		close(done)
		wg.Wait()
	})
	wg.Go(func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		depth := [2]int64{100, 400}
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			requests[0].Inc(int64(1 + rand.IntN(5)))
			if rand.IntN(20) == 0 {
				requests[1].Inc(1)
			}
			requests[2].Inc(int64(rand.IntN(3)))
			for i, g := range depths {
				depth[i] = max(0, depth[i]+int64(rand.IntN(21)-10))
				g.Update(depth[i])
			}
			ratio.Update(0.8 + 0.15*rand.Float64())
			n := 1 + rand.IntN(20)
			flows.Mark(int64(n))
			batch.Update(int64(n))
			for i, s := range stages {
				s.Update(time.Duration(rand.ExpFloat64() * float64((i*4+1)*int(time.Millisecond))))
			}
		}
	})
}
