package pgreader_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/vitals-go/vitals/metrics"
	"github.com/vitals-go/vitals/pgreader"
)

// A dashboard reads the latency of a service, merged across its hosts, over
// the last six hours: at most 500 points, quantiles from the merged buckets.
// (It needs a database, so it is compiled but not run.)
func ExampleReader_Range() {
	ctx := context.Background()
	r, err := pgreader.New(ctx, pgreader.Config{
		URL:    "postgres://grafana@db.internal/metrics?sslmode=verify-full",
		Schema: "vitals",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()

	hosts, err := r.Series(ctx, "query.latency", metrics.Tags{"service": "alerts"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d hosts report query.latency\n", len(hosts))

	now := time.Now()
	points, err := r.Range(ctx, pgreader.RangeQuery{
		Name: "query.latency",
		Tags: metrics.Tags{"service": "alerts"},
		From: now.Add(-6 * time.Hour),
		To:   now,
	})
	if errors.Is(err, pgreader.ErrNoSeries) {
		fmt.Println("nothing recorded yet")
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range points {
		// Timers are in nanoseconds.
		fmt.Printf("%s  n=%d  p50=%v  p99=%v  %.1f/s\n", p.Time.Format(time.TimeOnly), p.Count,
			time.Duration(p.P50), time.Duration(p.P99), p.Rate1)
	}
}
