// Package opentsdb exports snapshots to OpenTSDB, or to any server that
// speaks its protocols (VictoriaMetrics, for one): JSON over HTTP POST
// /api/put, or telnet "put" lines over TCP.
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
//		"github.com/vitals-go/vitals/exporters"
//		"github.com/vitals-go/vitals/exporters/opentsdb"
//		"github.com/vitals-go/vitals/metrics"
//	)
//
//	func main() {
//		reg := metrics.NewRegistry()
//		if err := reg.SetDefaultTags(metrics.Tags{"host": "web01", "service": "alerts"}); err != nil {
//			log.Fatal(err)
//		}
//		tsd, err := opentsdb.New(opentsdb.Config{URL: "http://tsd.example.com:4242"})
//		if err != nil {
//			log.Fatal(err)
//		}
//		rep, err := exporters.Start(reg, exporters.Config{
//			Exporters: map[string]exporters.Exporter{"opentsdb": tsd},
//		})
//		if err != nil {
//			log.Fatal(err)
//		}
//
//		latency := reg.Timer("query.latency", metrics.Tags{"stage": "plan"})
//		for range 100 {
//			start := time.Now()
//			time.Sleep(10 * time.Millisecond) // the work
//			latency.UpdateSince(start)
//		}
//
//		// Flush what is queued, then close the connections.
//		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
//		defer cancel()
//		if err := rep.Shutdown(ctx); err != nil {
//			log.Print(err)
//		}
//	}
//
// Every 10 s this sends query.latency.count, .min, .max, .mean, .stddev,
// .p50, .p75, .p95, .p99, .p999 (in milliseconds), .rate1, .rate5, .rate15
// and .rate_mean, tagged host=web01 service=alerts stage=plan. With
// Config.GoMetricsNames the fields are named like go-metrics' OpenTSDB
// exporter's (count, 50-percentile, one-minute, mean-rate, ...).
//
// # Points
//
// Every field of a series is one OpenTSDB data point, timestamped with the
// snapshot's time: in milliseconds over HTTP, in whole seconds over telnet
// (the protocol's unit, and the only one VictoriaMetrics takes there). Names
// and tags are restricted to OpenTSDB's characters: anything else becomes
// '_'. Points that OpenTSDB cannot store are not sent, and Export counts them
// as rejected: a NaN or infinite value, no tag at all (give the registry a
// default host tag), more than Config.MaxTags tags, or a telnet line of 1024
// bytes or more. VictoriaMetrics would drop such points silently; OpenTSDB
// would refuse them.
//
// # HTTP
//
// An http:// or https:// URL sends each snapshot as JSON arrays to
// <URL>/api/put?details (a URL that already ends in /api/put stands for the
// part before it; any other path is kept as a prefix), in batches of at most Config.BatchSize points (50, as
// OpenTSDB's documentation suggests to start with) and Config.MaxRequestBytes
// bytes, Config.Parallelism (4) requests at a time over kept-alive
// connections. The byte limit, 8192 by default, is what a stock TSD takes:
// its Netty HttpRequestDecoder hands bodies over 8192 bytes on as chunks,
// which the TSD refuses ("Chunked request not supported.") unless
// tsd.http.request.enable_chunked is true, and even then gathers at most
// tsd.http.request.max_chunk (4096 by default) bytes. Raise both limits for
// a TSD configured for more, or for VictoriaMetrics, which takes up to 32 MiB
// (-opentsdbhttp.maxInsertRequestSize): bigger batches are much faster. No
// request carries "Expect: 100-continue", which the TSD would also refuse as
// chunked.
//
// The TSD's answer decides what happens to each batch:
//
//   - 204, or 200 with a summary: stored.
//   - 400 with details: the points listed in "errors" were refused (for
//     "Unknown metric", "Unable to parse value", ...) and the others stored.
//     Refused points are logged (the first few error texts) and counted:
//     Export returns exporters.Rejected once the rest of the snapshot is
//     delivered. They are not sent again, except those refused with "Please
//     throttle" or a timeout, which OpenTSDB reports when its storage is
//     overloaded: those are sent again, as the TSD echoed them, by the next
//     Export of the same snapshot.
//   - 400 without details, or 413: the whole request was refused (too big,
//     or unparsable), and counts as rejected.
//   - 5xx, 429, any other status, a network error or a timeout: transient.
//     Export returns a plain error and the Reporter offers the same snapshot
//     again later.
//
// # Errors
//
// Config errors say what is wrong with each field and what to write
// instead ("URL \"127.0.0.1:4242\" has no scheme; use
// http://127.0.0.1:4242 (or https://) or tcp://127.0.0.1:4242 (telnet)"),
// and never repeat a password. A failed Export leads with the cause and
// stays short enough for a health line:
//
//	opentsdb: connection refused (POST http://tsd:4242/api/put)
//	opentsdb: no answer within 10s (POST http://tsd:4242/api/put)
//	opentsdb: the server did not take the lines within 10s (telnet tsd:4242)
//	opentsdb: Export's context ended: context deadline exceeded (telnet tsd:4242)
//
// The underlying error stays reachable with errors.Is and errors.As
// (syscall.ECONNREFUSED, *net.DNSError, context.DeadlineExceeded, ...).
// Export returns soon after its context ends, however the TSD behaves; a
// Shutdown whose context ends while an Export runs interrupts that Export
// and closes the exporter all the same (see exporters.Exporter).
//
// # Retries without duplicates
//
// The exporter remembers, for the snapshot it is sending, which batches the
// TSD has answered. When the Reporter offers that snapshot again after a
// transient error (with the same Snapshot.Seq, see exporters.Exporter),
// only the batches not answered yet are sent, so a point the TSD stored is
// never posted twice. A snapshot of Seq 0 (a Peek, or built by hand) is
// never taken for a retry: each Export of it sends every point. A request that timed out
// or was cancelled after the TSD received it may still have been stored: it
// is sent again, one of the two cases in which a point can arrive twice
// (OpenTSDB and VictoriaMetrics then hold the same value twice for one
// timestamp). The other is the disk spool (exporters.Config.SpoolDir): a
// snapshot that an earlier process spooled is offered under a new Seq and
// sent whole, so a part of it that process had already delivered, and the
// one snapshot being exported when a process was killed, are sent again;
// and a snapshot this process partly delivered and then spooled resumes
// only if it is the spool's oldest record at the next Export: behind an
// older backlog, other snapshots are sent first, and it is sent whole.
// OpenTSDB writes the same value into the same cell; VictoriaMetrics keeps
// both samples unless it runs with -dedup.minScrapeInterval.
//
// # Telnet
//
// A tcp://host:port URL writes "put" lines over one persistent connection,
// dialed on the first Export and again after a failure (Export fails fast
// when dialing fails: the Reporter's backoff paces reconnections). A telnet
// put is never acknowledged by the TSD, so the exporter relies on TCP:
//
//   - A line counts as delivered once the server's TCP stack has
//     acknowledged its bytes. On Linux the exporter reads the kernel's send
//     queue (SIOCOUTQ) after each write, and Export returns nil only once
//     the whole snapshot is acknowledged, or fails after Config.Timeout. On
//     other systems a line counts as delivered once it is written to the
//     socket, and Export does not wait.
//   - On any failure (a write error or timeout, the server closing the
//     connection, no acknowledgement in time) the connection is reset and
//     Export returns a transient error. The next Export of the same snapshot
//     dials again and sends every line from the first one not acknowledged,
//     in full, even if part of it was written before.
//   - What this cannot cover: lines the server's kernel acknowledged but the
//     server process never read (it crashed, or a proxy in between died) are
//     lost; lines acknowledged in the instant before a reset, after the last
//     look at the send queue, are sent twice: the same value for the same
//     timestamp, which VictoriaMetrics keeps as a second sample unless
//     deduplication (-dedup.minScrapeInterval) is on. Use HTTP where every
//     point must be accounted for.
//
// The reset on failure is deliberate: a graceful close would let the kernel
// deliver buffered lines after the exporter decided to send them again, and
// VictoriaMetrics stores a partial last line of a closed connection as if
// it were whole. Lines never carry a line break or a stray '=' from a tag:
// names and tags are sanitized first.
//
// A TSD answers a telnet line only when it fails, for example "put: unknown
// metric: No such name for 'metrics': 'query.latency.p99'". Those answers
// are logged (the first 10 per connection) but cannot be matched to their
// lines, so telnet rejections are not counted as rejected points.
//
// # Unknown metrics
//
// A stock TSD runs with tsd.core.auto_create_metrics = false and refuses
// every point of a metric name it has not seen ("Unknown metric" over HTTP,
// "put: unknown metric" over telnet). Set
//
//	tsd.core.auto_create_metrics = true
//
// in opentsdb.conf (or pass --auto-metric), or create the names beforehand
// with `tsdb mkmetric`. The exporter does not assign UIDs through
// /api/uid/assign itself.
//
// # What is tested
//
// The tests run against a real VictoriaMetrics server: every kind of series
// over HTTP, HTTP with gzip and telnet, read back exactly; transient HTTP
// failures and retries without duplicates; a URL naming /api/put, and a path
// prefix behind a reverse proxy; per-point rejections in
// OpenTSDB's 400 details format (served by a test proxy); hung servers;
// telnet connections closed mid-snapshot. OpenTSDB itself is not run: its
// request limits, answer formats and telnet behaviour above are taken from
// its documentation and source (PutDataPointRpc, RpcHandler,
// PipelineFactory of OpenTSDB 2.4), not tested against a TSD.
package opentsdb
