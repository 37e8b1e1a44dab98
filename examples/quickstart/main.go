// Command quickstart is the smallest program using vitals: metrics on stdout
// every 10 s, a health socket on 127.0.0.1:10001, pprof on 127.0.0.1:6060.
package main

import (
	"context"
	"log"
	"math/rand/v2"
	"os/signal"
	"syscall"
	"time"

	"github.com/vitals-go/vitals"
	"github.com/vitals-go/vitals/metrics"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	inst, err := vitals.Start(ctx, vitals.Config{Service: "quickstart"})
	if err != nil {
		log.Fatal(err)
	}
	defer inst.Shutdown(context.Background()) // the final flush; 5 s at most, even with the backend down

	latency := metrics.Default.Timer("request.latency", metrics.Tags{"route": "/hello"})
	for ctx.Err() == nil {
		start := time.Now()
		time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond) // the work
		latency.UpdateSince(start)
	}
	stop() // signals are ours again: a second Ctrl-C ends the process at once
}
