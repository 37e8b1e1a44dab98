package console_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/console"
	"github.com/vitals-go/vitals/metrics"
)

// The default text format: the time, interval and default tags once, then
// one line per series with units, the SDK's own series last.
func Example() {
	exp, err := console.New(console.Config{Writer: os.Stdout})
	if err != nil {
		panic(err)
	}
	r := metrics.NewRegistry()
	if err := r.SetDefaultTags(metrics.Tags{"host": "web01", "service": "alerts"}); err != nil {
		panic(err)
	}
	sdk := r.Counter("vitals.exporter.exported", metrics.Tags{"exporter": "console"})
	done := r.Counter("jobs.done", metrics.Tags{"queue": "base"})
	r.Gauge("queue.depth", metrics.Tags{"queue": "base", "host": "worker7"}).Update(12)
	latency := r.Timer("query.latency", nil)
	reader, err := r.NewIntervalReader() // in a service, the exporters' Reporter holds it
	if err != nil {
		panic(err)
	}
	defer reader.Close()
	start := time.Unix(1700000000, 0).UTC() // fixed times for the example
	for _, at := range []time.Time{start, start.Add(10 * time.Second)} {
		done.Inc(40)
		for _, ms := range []time.Duration{3, 4, 5, 40} {
			latency.Update(ms * time.Millisecond)
		}
		snap := reader.EndInterval()
		snap.Time = at
		if err := exp.Export(context.Background(), snap); err != nil {
			panic(err)
		}
		sdk.Inc(int64(len(snap.Series))) // as the exporters' Reporter counts

	}
	// Output:
	// -- 2023-11-14 22:13:20 UTC  host=web01 service=alerts ---------------------------
	// jobs.done      queue=base               40
	// query.latency                            4 (+4)  p50 3.99ms  p99 39.7ms  max 40ms
	// queue.depth    host=worker7 queue=base  12
	// -- vitals exporter=console: exporter.exported 0
	// -- 2023-11-14 22:13:30 UTC  interval 10s  host=web01 service=alerts --------------------
	// jobs.done      queue=base               80 (+40, 4/s)
	// query.latency                            8 (+4, 0.4/s)  p50 3.99ms  p99 39.7ms  max 40ms
	// queue.depth    host=worker7 queue=base  12
	// -- vitals exporter=console: exporter.exported 4 (+4)
}

// The put format, for OpenTSDB: one line per field of every series.
func Example_put() {
	exp, err := console.New(console.Config{Format: console.FormatPut, Writer: os.Stdout})
	if err != nil {
		panic(err)
	}
	r := metrics.NewRegistry()
	if err := r.SetDefaultTags(metrics.Tags{"host": "web01", "service": "alerts"}); err != nil {
		panic(err)
	}
	r.Counter("jobs.done", metrics.Tags{"queue": "base"}).Inc(3)
	r.Gauge("queue.depth", metrics.Tags{"queue": "base", "host": "worker7"}).Update(12)
	size := r.Histogram("batch.size", nil)
	size.Update(10)
	size.Update(30)

	snap := r.Peek()
	snap.Time = time.Unix(1700000000, 0) // a fixed time for the example
	if err := exp.Export(context.Background(), snap); err != nil {
		panic(err)
	}
	// Output:
	// put jobs.done.count 1700000000 3 host=web01 queue=base service=alerts
	// put queue.depth.value 1700000000 12 host=worker7 queue=base service=alerts
	// put batch.size.count 1700000000 2 host=web01 service=alerts
	// put batch.size.min 1700000000 10 host=web01 service=alerts
	// put batch.size.max 1700000000 30 host=web01 service=alerts
	// put batch.size.mean 1700000000 20 host=web01 service=alerts
	// put batch.size.stddev 1700000000 10 host=web01 service=alerts
	// put batch.size.p50 1700000000 10 host=web01 service=alerts
	// put batch.size.p75 1700000000 30 host=web01 service=alerts
	// put batch.size.p95 1700000000 30 host=web01 service=alerts
	// put batch.size.p99 1700000000 30 host=web01 service=alerts
	// put batch.size.p999 1700000000 30 host=web01 service=alerts
}

// A timer with go-metrics' names, in seconds, from a snapshot built by hand.
// Its second snapshot recorded nothing, so it has no min, max or quantiles.
func ExampleConfig_goMetricsNames() {
	exp, err := console.New(console.Config{Format: console.FormatPut, Writer: os.Stdout, GoMetricsNames: true, DurationUnit: time.Second})
	if err != nil {
		panic(err)
	}
	timer := metrics.Series{
		Name: "query.latency", Kind: metrics.KindTimer, Unit: "ns", Count: 4,
		Tags:  []metrics.Tag{{Key: "stage", Value: "plan"}},
		Rates: metrics.Rates{Rate1: 0.4, Rate5: 0.4, Rate15: 0.4, Mean: 0.4},
		Summary: metrics.Summary{Count: 4, Sum: 10e9, Min: 1e9, Max: 4e9, Mean: 2.5e9, StdDev: 1.25e9,
			P50: 2e9, P75: 3e9, P95: 4e9, P99: 4e9, P999: 4e9},
	}
	snap := metrics.Snapshot{Time: time.Unix(1700000000, 0), DefaultTags: []metrics.Tag{{Key: "host", Value: "web01"}},
		Series: []metrics.Series{timer}}
	if err := exp.Export(context.Background(), snap); err != nil {
		panic(err)
	}
	timer.Summary = metrics.Summary{}
	snap.Time, snap.Series = snap.Time.Add(10*time.Second), []metrics.Series{timer}
	if err := exp.Export(context.Background(), snap); err != nil {
		panic(err)
	}
	// Output:
	// put query.latency.count 1700000000 4 host=web01 stage=plan
	// put query.latency.min 1700000000 1 host=web01 stage=plan
	// put query.latency.max 1700000000 4 host=web01 stage=plan
	// put query.latency.mean 1700000000 2.5 host=web01 stage=plan
	// put query.latency.std-dev 1700000000 1.25 host=web01 stage=plan
	// put query.latency.50-percentile 1700000000 2 host=web01 stage=plan
	// put query.latency.75-percentile 1700000000 3 host=web01 stage=plan
	// put query.latency.95-percentile 1700000000 4 host=web01 stage=plan
	// put query.latency.99-percentile 1700000000 4 host=web01 stage=plan
	// put query.latency.999-percentile 1700000000 4 host=web01 stage=plan
	// put query.latency.one-minute 1700000000 0.4 host=web01 stage=plan
	// put query.latency.five-minute 1700000000 0.4 host=web01 stage=plan
	// put query.latency.fifteen-minute 1700000000 0.4 host=web01 stage=plan
	// put query.latency.mean-rate 1700000000 0.4 host=web01 stage=plan
	// put query.latency.count 1700000010 4 host=web01 stage=plan
	// put query.latency.one-minute 1700000010 0.4 host=web01 stage=plan
	// put query.latency.five-minute 1700000010 0.4 host=web01 stage=plan
	// put query.latency.fifteen-minute 1700000010 0.4 host=web01 stage=plan
	// put query.latency.mean-rate 1700000010 0.4 host=web01 stage=plan
}

// Points OpenTSDB cannot store are left out and reported as rejected.
func ExampleExporter_Export_rejected() {
	exp, err := console.New(console.Config{Format: console.FormatPut, Writer: os.Stdout})
	if err != nil {
		panic(err)
	}
	snap := metrics.Snapshot{Time: time.Unix(1700000000, 0), Series: []metrics.Series{
		{Name: "tagged", Kind: metrics.KindCounter, Count: 1, Tags: []metrics.Tag{{Key: "host", Value: "web 01"}}},
		{Name: "untagged", Kind: metrics.KindCounter, Count: 2},
	}}
	err = exp.Export(context.Background(), snap)
	fmt.Println(errors.Is(err, exporters.ErrRejected), exp.Points(snap))
	var rejected *exporters.RejectedError
	if errors.As(err, &rejected) {
		fmt.Println(rejected.Points, "rejected")
	}
	// Output:
	// put tagged.count 1700000000 1 host=web_01
	// true 2
	// 1 rejected
}
