// Command service is a simulated flow-processing service instrumented with
// vitals: producers fill queues, workers drain them, and every stage is
// measured. It shows every feature: exported metrics (stdout by default, or
// VITALS_OPENTSDB_URL / VITALS_POSTGRES_URL), the health socket with
// thresholds, and the pprof port.
//
//	go run ./examples/service -latency 20ms -run-for 30s
//	nc 127.0.0.1 10001
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
	latency := flag.Duration("latency", 20*time.Millisecond, "mean simulated work per item")
	runFor := flag.Duration("run-for", 0, "exit cleanly after this long (0: until SIGINT or SIGTERM)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *runFor > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *runFor)
		defer cancel()
	}

	inst, err := vitals.Start(ctx, vitals.Config{Service: "flows"})
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
		wg.Add(2)
		go func() {
			defer wg.Done()
			produce(ctx, q, *latency, depth, r.Meter("flows", tags), r.Histogram("batch.size", tags))
		}()
		go func() { defer wg.Done(); work(ctx, q, depth, *latency, process, r, tags) }()
	}
	<-ctx.Done()
	wg.Wait()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := inst.Shutdown(shutdownCtx); err != nil { // delivers the last interval
		log.Print(err)
	}
}

// produce enqueues batches of flows at random times, on average at 80% of
// what a worker taking latency per item can drain.
func produce(ctx context.Context, q chan<- time.Time, latency time.Duration, depth *metrics.Gauge, flows *metrics.Meter, batch *metrics.Histogram) {
	for ctx.Err() == nil {
		n := 1 + rand.IntN(20)
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
		time.Sleep(time.Duration(rand.ExpFloat64() * float64(n) * 1.25 * float64(latency)))
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
