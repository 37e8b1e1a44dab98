package pgreader_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/vitals-go/vitals/compare"
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

// A release owner compares the latency of the last two releases of a
// service, every host merged, as `vitals compare` does. (It needs a
// database, so it is compiled but not run.)
func ExampleReader_Compare() {
	ctx := context.Background()
	r, err := pgreader.New(ctx, pgreader.Config{URL: "postgres://grafana@db.internal/metrics?sslmode=verify-full"})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()

	c, err := r.Compare(ctx, compare.Query{Service: "alerts", Metric: "query.latency"})
	if err != nil {
		log.Fatal(err) // compare.ErrNoData, compare.ErrInvalidQuery, or the database's
	}
	line := c.Series[0]
	for _, f := range []compare.Field{compare.FieldP50, compare.FieldP99} {
		ch := line.Changes[f]
		fmt.Printf("%s %s -> %s: %v -> %v (%+.1f%%, significant: %v)\n", f, c.Query.Before.Release, c.Query.After.Release,
			time.Duration(line.Before.Value(f)), time.Duration(line.After.Value(f)), 100*ch.Rel, ch.Significant)
	}
}
