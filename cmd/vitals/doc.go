// Command vitals is the operator's tool for services instrumented with
// vitals: it compares a metric between two releases, from the tables of the
// PostgreSQL exporter, and reads a service's health socket.
//
// Usage:
//
//	vitals compare -service S (-metric NAME | -all) [-tag k=v ...] [sides] [-postgres URL] [-schema S]
//	               [-per-series] [-alpha P] [-min-effect E] [-worse-when FIELD=DIR ...]
//	               [-json] [-svg FILE] [-png FILE] [-timeout D]
//	vitals health [-json] [-timeout D] host:port|/path/to/socket
//
// # compare
//
// compare reads the histogram or timer NAME of service S (every series of
// the name whose tags contain the -tag pairs, all hosts merged; one block
// per tag set with -per-series) on two sides and prints, per field (count,
// rate, mean, p50, p95, p99, p999, max), the value before and after, the
// change, the relative change, and the judge's p-value, effect and
// verdict. A counter or meter gets count and rate only. Durations of
// timers are printed in the largest unit that keeps three significant
// digits (850µs, 10.2ms, 1.5s).
//
// The sides are releases (the version tag, VITALS_RELEASE of the service),
// -before REL -after REL; or time windows, -before-window FROM,TO
// -after-window FROM,TO in RFC 3339; or one of each. Without sides, the
// last two releases of the service, by when their first process started.
// A release covers the time its processes really ran, host by host: from
// each process' start to its last export (its final flush), as recorded in
// vitals_releases; the header prints that window, and the rate is over it.
//
// The judge (compare.Compare says exactly how): for each field but count,
// the values of each interval of each side are compared by a Mann-Whitney
// U test, and the effect is their median shift (Hodges-Lehmann) relative to
// their median before. A change is flagged "worse !!" when its p-value is
// at most -alpha (0.01), its effect at least -min-effect (10%) in size, and
// in the field's bad direction: higher for the values (mean, quantiles,
// max), lower for the rate (the throughput), except for metrics named for
// failures (errors, failed, dropped, timeouts, retries...), whose higher
// rate is worse. -worse-when p99=either (or higher, lower) overrides the
// direction of a field; repeat it for several. "better" marks a flagged
// change the other way. A note says when the sides have too few intervals
// for any p-value to reach -alpha.
//
//	$ vitals compare -service flows -metric stage.latency -tag stage=process -before v1 -after v2
//	flows stage.latency {stage=process} (unit ns)
//	before  release v1, 2026-12-03 15:25:20.1 – 15:25:30.1 UTC (10s), 1 host
//	after   release v2, 2026-12-03 15:25:30.1 – 15:25:40.1 UTC (10s), 1 host
//
//	every matching series merged, 11 and 11 intervals
//	          before    after    change  relative  p-value   effect  verdict
//	  count     1499      695      -804    -53.6%        -        -
//	  rate   149.6/s  69.38/s  -80.22/s    -53.6%  0.00049   -56.8%  worse !!
//	  mean    10.6ms   21.1ms   +10.5ms    +99.5%  1.1e-05  +100.7%  worse !!
//	  p50     7.23ms   14.5ms   +7.23ms   +100.0%  1.1e-05  +100.7%  worse !!
//	  ...
//
// -all compares every timer and histogram of the service instead of one
// metric (with -per-series, every tag set of each), and prints one row per
// line, its worst field, the regressions first, largest effect first.
// -json prints the comparisons (with -all, all of them and their ranking)
// as one JSON object instead of tables; numbers that do not exist (the
// p-value of an untested field) are null.
//
// -postgres defaults to $VITALS_POSTGRES_URL and -service to
// $VITALS_SERVICE, the variables the service itself reads. When a metric
// or a tag filter matches nothing, the error lists the metrics, or the
// tags and values, that exist.
//
// With -svg or -png (or both), compare also draws a chart of two panels:
// on the left, p50 (solid) and p99 (dashed) per step (at most 250 steps a
// side) of each side, its points joined, before in blue and after in
// orange, with a dashed line where the after side started; on the right,
// the distribution of each side as a cumulative distribution function on
// a log scale. Timers are charted in milliseconds.
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
// without arguments. compare exits with 3 when a change is flagged worse:
// a regression, which a deploy script or CI job can gate on (any status
// but 0 stops it: no data is a failure too). health exits as described
// above; a usage error is 2 there too, the same as CRITICAL, so that a
// broken check is not mistaken for a healthy service.
package main
