// Command vitals is the operator's tool for services instrumented with
// vitals: it compares a metric between two releases, from the tables of the
// PostgreSQL exporter, and reads a service's health socket.
//
// Usage:
//
//	vitals compare -service S -metric NAME [-tag k=v ...] [sides] [-postgres URL] [-schema S]
//	               [-per-series] [-svg FILE] [-png FILE] [-timeout D]
//	vitals health [-json] [-timeout D] host:port|/path/to/socket
//
// # compare
//
// compare reads the histogram or timer NAME of service S (every series of
// the name whose tags contain the -tag pairs, all hosts merged; one block
// per tag set with -per-series) on two sides and prints, per field (count,
// rate, mean, p50, p95, p99, p999, max), the value before and after, the
// change and the relative change. A counter or meter gets count and rate
// only. "!!" flags a change that stands out from the interval-to-interval
// noise of the before side (compare.Compare says exactly how).
// Durations of timers are printed in the largest unit that keeps three
// significant digits (850µs, 10.2ms, 1.5s).
//
// The sides are releases (the version tag, VITALS_RELEASE of the service),
// -before REL -after REL; or time windows, -before-window FROM,TO
// -after-window FROM,TO in RFC 3339; or one of each. Without sides, the
// last two releases of the service, by when their first process started.
//
//	$ vitals compare -service flows -metric stage.latency -tag stage=process -before v1 -after v2 -png v2.png
//	flows stage.latency {stage=process} (unit ns)
//	before  release v1, 2026-11-22 03:20:42 – 03:20:47 UTC (6s)
//	after   release v2, 2026-11-22 03:20:47 – 03:20:53 UTC (7s)
//
//	every matching series merged, 6 and 7 intervals
//	          before    after    change  relative
//	  count      836      410      -426    -51.0%  !!
//	  rate   142.9/s  62.22/s  -80.68/s    -56.5%
//	  mean    10.5ms   19.1ms   +8.65ms    +82.6%  !!
//	  p50     7.52ms   12.6ms   +5.07ms    +67.4%  !!
//	  ...
//
// -postgres defaults to $VITALS_POSTGRES_URL and -service to
// $VITALS_SERVICE, the variables the service itself reads.
//
// With -svg or -png (or both), compare also draws a chart of two panels:
// on the left, p50 and p99 per step (at most 500 steps) over the span of
// both sides, every matching series merged whatever its release, with a
// dashed line where the after release started; on the right, the
// distribution of each side as a cumulative distribution function on a
// log scale. Timers are charted in milliseconds.
//
// # health
//
// health connects to a health socket (TCP host:port, or a unix socket
// when the address holds a '/'), prints the report as the service wrote
// it, and exits with the report's status: 0 GOOD, 1 WARN, 2 CRITICAL, or 3
// when there is no report (unreachable, timed out, busy, or not a report).
//
// The socket speaks only text, so -json parses that text into a
// healthcheck.Report and prints it as the /healthz handler of the pprof
// port does, with two differences the text imposes: uptime_ns is in whole
// seconds, and time is when vitals read the report. A check name that holds
// ": " is split there. For the exact report, ask the service's /healthz.
//
// # Exit status
//
// 0 on success, 1 when the command failed (the database is unreachable, a
// metric or release has no data), 2 for a usage error, including `vitals`
// without arguments. health exits as described above; a usage error is 2
// there too, the same as CRITICAL, so that a broken check is not mistaken
// for a healthy service.
package main
