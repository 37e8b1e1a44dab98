// Command service is a simulated flow-processing service instrumented with
// vitals: producers fill queues, workers drain them, and every stage is
// measured. Every flush interval the console exporter prints the metrics as
// OpenTSDB put lines.
//
//	go run ./examples/service -latency 20ms -run-for 30s
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

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/console"
	"github.com/vitals-go/vitals/metrics"
)

func main() {
	latency := flag.Duration("latency", 20*time.Millisecond, "mean simulated work per item")
	runFor := flag.Duration("run-for", 0, "exit cleanly after this long (0: until SIGINT or SIGTERM)")
	interval := flag.Duration("interval", 10*time.Second, "how often to print a snapshot")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *runFor > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *runFor)
		defer cancel()
	}

	r := metrics.Default
	if err := r.SetDefaultTags(metrics.Tags{"host": hostname(), "service": "example"}); err != nil {
		log.Fatal(err)
	}
	r.EnableRuntimeMetrics()
	var wg sync.WaitGroup
	for _, queue := range []string{"in", "state"} {
		q := make(chan time.Time, 1000)
		tags := metrics.Tags{"queue": queue}
		r.FunctionalGauge("queue.depth", tags, func() int64 { return int64(len(q)) })
		wg.Add(2)
		go func() { defer wg.Done(); produce(ctx, q, r.Meter("flows", tags), r.Histogram("batch.size", tags)) }()
		go func() { defer wg.Done(); work(ctx, q, *latency, r, tags) }()
	}

	out, err := console.New(console.Config{})
	if err != nil {
		log.Fatal(err)
	}
	rep, err := exporters.Start(r, exporters.Config{
		Exporters: map[string]exporters.Exporter{"console": out},
		Interval:  *interval,
	})
	if err != nil {
		log.Fatal(err)
	}
	<-ctx.Done()
	wg.Wait()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rep.Shutdown(shutdownCtx); err != nil { // delivers the last interval
		log.Print(err)
	}
}

// produce enqueues batches of flows at a varying rate.
func produce(ctx context.Context, q chan<- time.Time, flows *metrics.Meter, batch *metrics.Histogram) {
	for ctx.Err() == nil {
		n := 1 + rand.IntN(20)
		batch.Update(int64(n))
		for range n {
			select {
			case q <- time.Now():
				flows.Mark(1)
			case <-ctx.Done():
				return
			}
		}
		time.Sleep(time.Duration(rand.IntN(40)) * time.Millisecond)
	}
}

// work drains the queue, timing how long items waited and how long they took.
func work(ctx context.Context, q <-chan time.Time, latency time.Duration, r *metrics.Registry, tags metrics.Tags) {
	wait := r.Timer("stage.latency", metrics.Tags{"queue": tags["queue"], "stage": "wait"})
	process := r.Timer("stage.latency", metrics.Tags{"queue": tags["queue"], "stage": "process"})
	errors := r.Counter("errors", tags)
	for {
		select {
		case <-ctx.Done():
			return
		case enqueued := <-q:
			wait.UpdateSince(enqueued)
			process.Time(func() { time.Sleep(time.Duration(rand.ExpFloat64() * float64(latency))) })
			if rand.IntN(100) == 0 {
				errors.Inc(1)
			}
		}
	}
}

// hostname is the machine's name, or "localhost".
func hostname() string {
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "localhost"
}
