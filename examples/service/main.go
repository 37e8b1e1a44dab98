// Command service is a simulated flow-processing service instrumented with
// vitals: producers fill queues, workers drain them, and every stage is
// measured. It shows every feature: exported metrics (stdout by default, or
// VITALS_OPENTSDB_URL / VITALS_POSTGRES_URL), the health socket with
// thresholds, the pprof port and its live page of every series.
//
//	go run ./examples/service -latency 20ms -run-for 30s
//	go run ./examples/service -latency 1ms -rate 1000 -workers 4
//	nc 127.0.0.1 10001
//	open http://127.0.0.1:6060/debug/vitals/   # the live page
//	go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=5
package main

import (
	"context"
	"flag"
	"log"
	"math/rand/v2"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/vitals-go/vitals"
	"github.com/vitals-go/vitals/healthcheck"
	"github.com/vitals-go/vitals/metrics"
)

func main() {
	service := flag.String("service", "flows", "the service tag")
	latency := flag.Duration("latency", 20*time.Millisecond, "mean simulated work per item")
	rate := flag.Float64("rate", 0, "flows per second per queue, arriving one at a time at random (0: in batches, at 80% of what the workers can drain)")
	workers := flag.Int("workers", 1, "workers per queue")
	runFor := flag.Duration("run-for", 0, "exit cleanly after this long (0: until SIGINT or SIGTERM)")
	flag.Parse()
	if *workers < 1 || *rate < 0 || *latency <= 0 {
		log.Fatal("-workers must be at least 1, -rate at least 0, -latency positive")
	}
	arrivals := pace{rate: *rate, latency: *latency, workers: *workers}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *runFor > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *runFor)
		defer cancel()
	}

	inst, err := vitals.Start(ctx, vitals.Config{Service: *service})
	if err != nil {
		log.Fatal(err)
	}
	r := metrics.Default
	r.EnableRuntimeMetrics()

	var wg sync.WaitGroup
	for _, queue := range []string{"in", "state"} {
		q := make(chan time.Time, 1000)
		tags := metrics.Tags{"queue": queue}
		depth := r.Gauge("queue.depth", tags)
		inst.Health.Register(queue+" Q", healthcheck.GaugeThreshold(depth, 500, 900))
		process := r.Timer("stage.latency", metrics.Tags{"queue": queue, "stage": "process"})
		inst.Health.Register(queue+" p99", healthcheck.TimerPercentile(process, 0.99, 10**latency, 50**latency))
		wg.Add(1 + *workers)
		go func() {
			defer wg.Done()
			produce(ctx, q, arrivals, depth, r.Meter("flows", tags), r.Histogram("batch.size", tags))
		}()
		for range *workers {
			go func() { defer wg.Done(); work(ctx, q, depth, *latency, process, r, tags) }()
		}
	}
	<-ctx.Done()
	wg.Wait()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := inst.Shutdown(shutdownCtx); err != nil { // delivers the last interval
		log.Print(err)
	}
}

// pace is how flows arrive: one at a time at rate per second, or, with
// rate 0, in batches at 80% of what workers taking latency per item drain.
type pace struct {
	rate    float64
	latency time.Duration
	workers int
}

// next returns the size of the next batch and the mean time until the one
// after it.
func (p pace) next() (n int, gap time.Duration) {
	if p.rate > 0 {
		return 1, time.Duration(float64(time.Second) / p.rate)
	}
	n = 1 + rand.IntN(20)
	return n, time.Duration(float64(n) * 1.25 * float64(p.latency) / float64(p.workers))
}

// produce enqueues batches of flows at random times (a Poisson process of
// batches, paced by p), on a schedule that does not drift with the time
// the sleeps overrun.
func produce(ctx context.Context, q chan<- time.Time, p pace, depth *metrics.Gauge, flows *metrics.Meter, batch *metrics.Histogram) {
	due := time.Now()
	for ctx.Err() == nil {
		n, gap := p.next()
		batch.Update(int64(n))
		for range n {
			select {
			case q <- time.Now():
				flows.Mark(1)
				depth.Update(int64(len(q)))
			case <-ctx.Done():
				return
			}
		}
		due = due.Add(time.Duration(rand.ExpFloat64() * float64(gap)))
		select {
		case <-time.After(time.Until(due)):
		case <-ctx.Done():
			return
		}
	}
}

// work drains the queue, timing how long items waited and how long they took.
func work(ctx context.Context, q <-chan time.Time, depth *metrics.Gauge, latency time.Duration,
	process *metrics.Timer, r *metrics.Registry, tags metrics.Tags) {
	wait := r.Timer("stage.latency", metrics.Tags{"queue": tags["queue"], "stage": "wait"})
	failures := r.Counter("errors", tags)
	for {
		select {
		case <-ctx.Done():
			return
		case enqueued := <-q:
			depth.Update(int64(len(q)))
			wait.UpdateSince(enqueued)
			process.Time(func() { time.Sleep(time.Duration(rand.ExpFloat64() * float64(latency))) })
			if rand.IntN(100) == 0 {
				failures.Inc(1)
			}
		}
	}
}
