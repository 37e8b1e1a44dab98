// Package exporters is the pipeline that sends a metrics.Registry to
// backends: a Reporter takes one Snapshot per interval and gives it to each
// Exporter through that exporter's own bounded queue, with retries, drop
// accounting and a final flush at Shutdown.
//
// A complete program, with an exporter that prints to stdout:
//
//	package main
//
//	import (
//		"context"
//		"fmt"
//		"log"
//		"time"
//
//		"github.com/vitals-go/vitals/exporters"
//		"github.com/vitals-go/vitals/metrics"
//	)
//
//	type stdout struct{}
//
//	func (stdout) Export(ctx context.Context, snap metrics.Snapshot) error {
//		for _, s := range snap.Series {
//			fmt.Println(snap.Time.Format(time.TimeOnly), s.Name, s.Tags, s.Count, s.Value)
//		}
//		return nil
//	}
//
//	func (stdout) Shutdown(ctx context.Context) error { return nil }
//
//	func main() {
//		reg := metrics.NewRegistry()
//		r, err := exporters.Start(reg, exporters.Config{
//			Exporters: map[string]exporters.Exporter{"stdout": stdout{}},
//			Interval:  time.Second,
//		})
//		if err != nil {
//			log.Fatal(err)
//		}
//		done := reg.Counter("jobs.done", metrics.Tags{"queue": "base"})
//		for range 10 {
//			time.Sleep(300 * time.Millisecond) // the work
//			done.Inc(1)
//		}
//		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
//		defer cancel()
//		if err := r.Shutdown(ctx); err != nil { // delivers the last, partial interval
//			log.Print(err)
//		}
//	}
//
// # Timing
//
// Snapshots are taken at the wall-clock multiples of Config.Interval and
// stamped with them (Snapshot.Time is 12:00:10, not 12:00:10.0003), so the
// points of every host line up. The Reporter sleeps on a timer to the next
// boundary and checks the wall clock when it wakes, so it does not drift,
// and it realigns when the clock is stepped. One snapshot serves every
// exporter; exporters must treat it as read-only. The Reporter holds the
// registry's metrics.IntervalReader, because each snapshot ends a histogram
// interval: a registry has at most one running Reporter.
//
// # Queues, retries and drops
//
// Each exporter has a queue of Config.QueueSize snapshots and a goroutine
// that exports the oldest one. What happens next depends on Export's error
// (see Exporter): nil, and the next is exported at once; a rejection (an
// error wrapping ErrRejected, built with Rejected), and the refused points
// are counted and never retried; any other error, and the same snapshot is
// offered again after an exponential backoff with full jitter, bounded by
// Config.MinBackoff and Config.MaxBackoff: the same Snapshot value, so an
// exporter tells a retry by its Seq. Each Export call is bounded by
// Config.Timeout.
//
// When a new snapshot finds a queue full, the oldest one is dropped and its
// points are counted as dropped. If that one is being exported right then,
// the outcome of that Export decides: exported if it succeeds, dropped if
// not. Every point of every snapshot is counted exactly once: exported,
// rejected or dropped. Points are PointCounter.Points if the exporter
// implements it, one per series otherwise.
//
// A slow, failing or hung backend never delays the ticks, the other
// exporters or the application: the ticking goroutine only appends to the
// queues. A panic in an exporter is recovered, logged and treated as a
// transient error.
//
// # Shutdown
//
// Reporter.Shutdown stops the ticks, takes a final snapshot (stamped with
// the time it was taken) so that the last, partial interval is delivered,
// and gives each exporter until its context ends to empty its queue. What
// is still queued then is counted as dropped and reported in its error.
// Then it calls each exporter's Shutdown. It returns once the Reporter's
// goroutines have ended; see Reporter.Shutdown for an exporter that ignores
// its context.
//
// # Self-metrics and health
//
// Start registers these series in the exported registry, tagged
// exporter=<name>:
//
//	vitals.exporter.exported       counter        points the backend accepted
//	vitals.exporter.rejected       counter        points the backend refused as invalid
//	vitals.exporter.dropped        counter        points never delivered: full queue, Shutdown's deadline
//	vitals.exporter.retries        counter        Export calls that offered a snapshot again
//	vitals.exporter.queue          gauge          snapshots queued (a function, read at each snapshot)
//	vitals.exporter.flush          timer          duration of successful Export calls
//	vitals.exporter.since_success  gauge_float64  seconds since the last success, or since Start
//
// Reporter.Health returns the same counts with the last success and the
// last error, for health reports.
//
// # Errors
//
// Start returns one error listing every problem of an invalid Config.
// Errors in the background are never printed to stderr: they go to
// Config.Logger, an identical error of one exporter at most once a minute
// with the number of times it occurred.
package exporters
