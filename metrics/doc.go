// Package metrics is the data model of vitals: a Registry of tagged series
// (counters, gauges, meters, histograms and timers) and the Snapshot that
// exporters send. It does no I/O and starts no goroutines.
//
// A complete program:
//
//	package main
//
//	import (
//		"fmt"
//		"time"
//
//		"github.com/vitals-go/vitals/metrics"
//	)
//
//	func main() {
//		r := metrics.NewRegistry()
//		// Look a series up once and keep the handle; updates are nanoseconds.
//		latency := r.Timer("query.latency", metrics.Tags{"stage": "plan"})
//		done := r.Counter("jobs.done", metrics.Tags{"queue": "base"})
//		for range 100 {
//			start := time.Now()
//			time.Sleep(time.Millisecond) // the work
//			latency.UpdateSince(start)
//			done.Inc(1)
//		}
//		for _, s := range r.Peek().Series {
//			fmt.Println(s.Name, s.Tags, s.Count, s.Summary.P99)
//		}
//	}
//
// # Series
//
// A series is a name plus Tags. Names and tag keys use OpenTSDB's characters
// (ASCII letters and digits, '-', '_', '.', '/', and Unicode letters); tag
// values may be any printable text. Anything else is refused, not replaced,
// so two inputs never silently merge into one series; ValidateName and
// ValidateTag apply the same rules ahead of registration. A registry holds
// at most DefaultMaxSeries series unless WithMaxSeries says otherwise.
//
// The registry's default tags (SetDefaultTags; vitals.Start sets TagHost,
// TagService and TagVersion) are not stored per series: exporters add them
// to every series that lacks the key, with Snapshot.AppendTags.
//
// # Options
//
// NewRegistry takes functional options (WithMaxSeries, ...), where the
// packages that talk to backends take a Config struct: a registry has few
// settings whose defaults matter most (a series limit of 0 would refuse
// everything), and an option changes one of them without a zero value that
// has to mean "the default".
//
// # Errors
//
// Registration never panics. The plain methods (Counter, Timer, ...) return
// a working handle even when they refuse a registration; the handle is
// simply not exported. The E variants (CounterE, TimerE, ...) also return
// the *RegistrationError. Values that cannot be exported (NaN or infinite
// floats, negative durations) are dropped; the hot paths never fail. Every
// refusal is counted, the latest is named in Registry.Refused (Last, such as
// "gauge_float64 cache.ratio{pool=main}: refused NaN"), and each reason is
// logged at most once a minute with the count since its previous line.
//
// A gauge is exported from its first valid value on: one that was never set,
// or only given NaN or ±Inf, is left out rather than exported as 0.
//
// # Histograms and timers
//
// Histograms and timers keep log-scaled bucket counts, not samples: every
// quantile is within 1% of the exact value, memory is bounded, and buckets
// merge exactly across hosts and intervals. A snapshot exports the values
// recorded in the current interval, which an IntervalReader ends (see
// Reading); counts are cumulative.
//
// # Reading
//
// Registry.Peek reads every series without disturbing anything; anyone may
// call it. An IntervalReader (Registry.NewIntervalReader) ends an interval
// with each EndInterval, numbering the snapshots in Snapshot.Seq. A registry
// has one open IntervalReader at most, held by the exporters' Reporter.
//
// # go-metrics
//
// Every handle satisfies the rcrowley/go-metrics interface of the same name,
// so code written against go-metrics accepts it, and AttachGoMetrics exports
// a whole go-metrics registry with tags.
package metrics
