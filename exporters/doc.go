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
// With Config.SpoolDir set, what would be dropped is kept on disk instead;
// see Disk spool.
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
// is still queued then is counted as dropped and reported in its error,
// or, with a spool, spooled for the next process (and not an error).
// Then it calls each exporter's Shutdown. It returns once the Reporter's
// goroutines have ended; see Reporter.Shutdown for an exporter that ignores
// its context.
//
// # Disk spool
//
// Config.SpoolDir gives each exporter a directory, SpoolDir/<exporter
// name>/, where snapshots wait on disk, in order, when memory cannot hold
// them: a snapshot pushed out of the full queue; after a failed export of
// the queue's head, the whole queue, so that while exports fail only the
// snapshots taken since the last attempt are in memory (the current
// tick's, or those of one backoff after a failed replay, see Replay) and a
// process killed (SIGKILL, OOM) loses at most those; and what is still
// queued when Shutdown's deadline passes (unless Shutdown gives up on the
// exporter's goroutine: then what that goroutine has not begun to write
// is counted as dropped, and Shutdown does not wait for the disk).
// The exporter's goroutine writes them, between exports: while an Export
// hangs (up to Config.Timeout), what the full queue pushes out waits in
// memory, up to QueueSize snapshots more, and beyond that the oldest is
// dropped. Each record is checksummed and fsynced before it counts as
// spooled (0.34 ms for 200 series, 1.3 ms for 10,000: BenchmarkSpoolSnapshot);
// see exporters/internal/spool for the format and what a power loss can
// lose.
//
// Replay. The spool's oldest record is offered to the exporter whenever
// the queue is empty, and every other time otherwise: after an export of
// the queue's head, one spooled record, and the reverse. So a recovered
// backend receives the backlog oldest first, at the speed it accepts it,
// while each fresh snapshot waits for at most one replayed snapshot, plus
// the one being exported when it was taken. The turns alternate after a
// failed export too: a failed replay gives the queue's head the next try,
// and leaves the queue in memory for it. A spooled record that fails 5
// times, each after another export succeeded (one the backend cannot take,
// such as a snapshot too large to send within Config.Timeout), is dropped,
// counted and logged with its time; failures while the backend takes
// nothing are not counted, so an outage drops nothing. A record is removed
// from the spool (durably) once its export returns, so a crash right then
// offers that one record again after the restart. While Shutdown drains
// the queue, the spool is left for the next process.
//
// Restarts. A new Reporter opening the same directory (the next process
// of the service on this host: vitals.Start uses
// VITALS_SPOOL_DIR/<service>/) replays what the previous one left. A
// directory is used by one process at a time (flock): another process
// pointed at it starts without a spool for that exporter (a full queue
// drops), logs a warning naming the holder's pid, and shows it in
// ExporterHealth.Spool.Error. It tries the directory again every minute,
// from the exporter's goroutine between exports, so that after an
// overlapping restart (the old process still flushing its Shutdown) the new
// one takes over the spool once the old one exits: it logs that the
// directory is free, clears Spool.Error, and spools and replays as if it
// had opened the directory at Start, the old process's backlog included.
// Another error (the directory cannot be created or read) is not retried:
// that exporter runs without a spool until the process restarts.
//
// Seq. A retry is told by its Seq (see Exporter), so a replayed snapshot
// keeps its Seq when this Reporter spooled it: an exporter that delivered
// part of it before the failure sends only the rest, if it is the next
// snapshot offered (the spool's oldest record at the next Export). An
// exporter remembers only the snapshot it last sent, so one spooled behind
// an older backlog is sent whole again when its turn comes. A snapshot
// spooled by an earlier process is offered with a Seq of 2⁶³ or more,
// numbered in the order offered: its own Seq counted another registry's
// intervals and could equal that of the previous Export. Seqs are
// therefore not in order across the spool and the queue.
//
// Backends. PostgreSQL stores a point once per series and timestamp (its
// primary key), so a snapshot sent twice (the record offered again after
// a crash, or the part of a spooled snapshot that an earlier process had
// delivered) is stored once. OpenTSDB has no such key: the same value for
// the same metric, tags and timestamp sent again is kept twice by
// VictoriaMetrics unless deduplication is on (-dedup.minScrapeInterval),
// and OpenTSDB 2.x encodes the same value at the same timestamp into the
// same cell, so it keeps it once (what its queries report as a duplicate
// timestamp, unless tsd.storage.fix_duplicates is set or fsck is run, is
// two cells for one timestamp, such as an integer and a float). Replays
// carry the timestamps the snapshots were taken with, which may be hours
// old: OpenTSDB and VictoriaMetrics accept them within their retention;
// PostgreSQL stores them in their day's partition and marks their minutes
// (vitals_rollup_dirty), so the next maintenance run rolls those minutes
// and their hours up again, replayed points included (see
// exporters/postgres).
//
// Accounting. A spooled snapshot's points are counted by nobody until they
// leave the spool: exported or rejected when replayed, by the process that
// replays them, or dropped when the spool removes them: its cap
// (Config.SpoolMaxBytes) is reached and the oldest records go, a record is
// found damaged (a torn write, a changed byte), which is logged, or a
// record keeps failing (see Replay). A snapshot that cannot be written
// (disk full) is dropped as it would be without a spool. So across
// restarts every point is still counted once, as exported, rejected or
// dropped, except the one record a crash may offer again. A replayed
// record that cannot be removed from the spool (its position cannot be
// written) is not counted: the spool is no longer used, and the next
// process offers that record again and counts it. A spooled snapshot is
// counted whole: its replay's PartialError counts are not used.
//
// # Self-metrics and health
//
// Start registers these series in the exported registry, tagged
// exporter=<name>:
//
//	vitals.exporter.exported       counter        points the backend accepted
//	vitals.exporter.rejected       counter        points the backend refused as invalid
//	vitals.exporter.dropped        counter        points never delivered: full queue, Shutdown's deadline, the spool
//	vitals.exporter.retries        counter        Export calls that offered a snapshot again
//	vitals.exporter.queue          gauge          snapshots queued (a function, read at each snapshot)
//	vitals.exporter.flush          timer          duration of successful Export calls
//	vitals.exporter.since_success  gauge_float64  seconds since the last success, or since Start
//
// and with Config.SpoolDir:
//
//	vitals.exporter.spooled        gauge          points in the spool
//	vitals.exporter.spooled_bytes  gauge          size of the spool's files
//	vitals.exporter.spool_dropped  counter        points the spool removed (cap, damaged or failing records), part of dropped
//
// Reporter.Health returns the same counts with the last success and the
// last error, and the spool's state, for health reports. The spool logs
// when spooling starts, when a replay starts and ends, and what it drops
// (at most once a minute for a repeated message).
//
// # Errors
//
// Start returns one error listing every problem of an invalid Config.
// Errors in the background are never printed to stderr: they go to
// Config.Logger, an identical error of one exporter at most once a minute
// with the number of times it occurred.
package exporters
