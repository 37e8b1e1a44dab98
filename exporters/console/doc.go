// Package console is vitals' embedded default exporter: it writes each
// snapshot as OpenTSDB telnet put lines to standard output or any
// io.Writer, readable by people, log shippers and, piped through nc, by
// OpenTSDB itself.
//
// A complete program:
//
//	package main
//
//	import (
//		"context"
//		"log"
//		"time"
//
//		"github.com/vitals-go/vitals/exporters/console"
//		"github.com/vitals-go/vitals/metrics"
//	)
//
//	func main() {
//		ctx := context.Background()
//		exp, err := console.New(console.Config{}) // os.Stdout, milliseconds
//		if err != nil {
//			log.Fatal(err)
//		}
//		defer exp.Shutdown(ctx)
//
//		r := metrics.NewRegistry()
//		if err := r.SetDefaultTags(metrics.Tags{"host": "web01", "service": "alerts"}); err != nil {
//			log.Fatal(err)
//		}
//		done := r.Counter("jobs.done", metrics.Tags{"queue": "base"})
//		latency := r.Timer("query.latency", metrics.Tags{"stage": "plan"})
//		for range 3 {
//			start := time.Now()
//			time.Sleep(10 * time.Millisecond) // the work
//			latency.UpdateSince(start)
//			done.Inc(1)
//		}
//		// In a service the exporters' Reporter calls Export every interval.
//		if err := exp.Export(ctx, r.Snapshot()); err != nil {
//			log.Print(err)
//		}
//	}
//
// It prints something like:
//
//	put jobs.done.count 1700000000 3 host=web01 queue=base service=alerts
//	put query.latency.count 1700000000 3 host=web01 service=alerts stage=plan
//	put query.latency.min 1700000000 10.236206 host=web01 service=alerts stage=plan
//	put query.latency.max 1700000000 10.260229 host=web01 service=alerts stage=plan
//	...
//	put query.latency.p999 1700000000 10.260229 host=web01 service=alerts stage=plan
//	put query.latency.rate1 1700000000 0 host=web01 service=alerts stage=plan
//	...
//	put query.latency.rate_mean 1700000000 97.43244083268883 host=web01 service=alerts stage=plan
//
// # Points
//
// Every series becomes one point per field: a counter its count, a gauge its
// value, a meter its count and rates (rate1, rate5, rate15, rate_mean), a
// histogram its cumulative count and the min, max, mean, stddev and
// quantiles (p50, p75, p95, p99, p999) of the values recorded since the
// previous snapshot, and a timer all of these, its durations divided by
// Config.DurationUnit. A histogram or timer that recorded nothing in the
// interval writes only its count (and a timer its rates): the min or p99 of
// nothing is undefined, and a made-up zero would distort every graph.
// Config.GoMetricsNames switches to go-metrics' names (std-dev,
// 99-percentile, one-minute, ...).
//
// Tags are the series' own merged over the registry's default tags, sorted.
// Names and tags are written in OpenTSDB's character set: anything else,
// spaces and '=' in tag values included, becomes '_', so a value can never
// break a line or add a tag. Points OpenTSDB cannot store (a NaN value, no
// tag or more than Config.MaxTags, a line of 1024 bytes or more) are left
// out, and Export reports them as rejected (exporters.Rejected) after
// writing the rest.
package console
