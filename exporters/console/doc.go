// Package console is vitals' embedded default exporter: it writes each
// snapshot to standard output or any io.Writer, as text for people to read
// (the default) or as OpenTSDB telnet put lines (FormatPut) for log shippers
// and, piped through nc, for OpenTSDB itself.
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
//		exp, err := console.New(console.Config{}) // the text format to os.Stdout
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
//		reader, err := r.NewIntervalReader() // in a service the exporters' Reporter holds it
//		if err != nil {
//			log.Fatal(err)
//		}
//		defer reader.Close()
//		for range 2 { // and calls Export every interval
//			for range 3 {
//				start := time.Now()
//				time.Sleep(10 * time.Millisecond) // the work
//				latency.UpdateSince(start)
//				done.Inc(1)
//			}
//			if err := exp.Export(ctx, reader.EndInterval()); err != nil {
//				log.Print(err)
//			}
//		}
//	}
//
// It prints something like:
//
//	-- 2026-12-03 13:00:10 UTC  host=web01 service=alerts ---------------
//	jobs.done      queue=base  3
//	query.latency  stage=plan  3 (+3)  p50 10.1ms  p99 10.3ms  max 10.3ms
//	-- 2026-12-03 13:00:10 UTC  interval 31ms  host=web01 service=alerts ------
//	jobs.done      queue=base  6 (+3, 97/s)
//	query.latency  stage=plan  6 (+3, 97/s)  p50 10.2ms  p99 10.2ms  max 10.2ms
//
// # The text format
//
// Each snapshot opens with a header line: its time (in the location of
// Snapshot.Time, local for the registry's snapshots), the interval since the
// previous snapshot (not on the first) and the registry's default tags,
// which are written there once rather than on every line. Then comes one
// line per application series, sorted by name and tags, with its own tags
// and its values in aligned columns:
//
//   - a counter or meter: its total, and from the second snapshot on the
//     change in the interval and its rate: "1,234 (+53, 5.3/s)";
//   - a gauge: its value;
//   - a histogram or timer: its total count, the values recorded in the
//     interval and their rate, and their p50, p99 and max when there were
//     any: "531 (+53, 5.3/s)  p50 4.32ms  p99 20.2ms  max 25.1ms".
//
// Numbers have 3 significant digits below 1,000 and are whole, with
// thousands separators, above. Durations (timers' values, and values of
// series named "*.seconds" or "*_seconds") are written in ns, µs, ms, s,
// min or h, whichever the value fills; values of series named "*.bytes" or
// "*_bytes" in B, KiB, MiB, GiB, ...; rates per second ("/s"). A tag value
// with a space, '=', a quote or a character that is not printable is quoted
// in Go syntax, so a line stays one line.
//
// The SDK's own series come last, compactly: one line (wrapped at 120
// columns) per root, vitals.* (the exporters' and registry's health), go.*
// (the Go runtime) and process.*, and tag set, naming the shared part of
// their names once and leaving out rates:
//
//	-- vitals.exporter exporter=console: exported 54 (+27)  rejected 0  dropped 0  retries 0
//	   flush 2 (+1) p50 84µs p99 84µs max 84µs  queue 0  since_success 2s
//	-- go: goroutines 15  heap.objects.bytes 191KiB  memory.total.bytes 7.46MiB  ...
//
// The text format writes every series, NaN values as "NaN", and rejects
// nothing. Points counts one point per series.
//
// # The put format
//
// FormatPut writes one OpenTSDB telnet line per field of every series, the
// application's series first and the SDK's after them, each in the
// snapshot's order:
//
//	put jobs.done.count 1700000000 3 host=web01 queue=base service=alerts
//	put query.latency.count 1700000000 3 host=web01 service=alerts stage=plan
//	put query.latency.min 1700000000 10.236206 host=web01 service=alerts stage=plan
//	...
//	put query.latency.rate_mean 1700000000 97.43244083268883 host=web01 service=alerts stage=plan
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
// 99-percentile, one-minute, ...). Points counts one point per line.
//
// Tags are the series' own merged over the registry's default tags, sorted.
// Names and tags are written in OpenTSDB's character set: anything else,
// spaces and '=' in tag values included, becomes '_', so a value can never
// break a line or add a tag. Points OpenTSDB cannot store (a NaN value, no
// tag or more than Config.MaxTags, a line of 1024 bytes or more) are left
// out, and Export reports them as rejected (exporters.Rejected) after
// writing the rest.
package console
