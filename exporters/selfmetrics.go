package exporters

import (
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// The Reporter's own series, registered in the exported registry and tagged
// exporter=<name>. Counters count points, except retries, which counts
// Export calls.
const (
	metricExported     = "vitals.exporter.exported"      // counter: points the backend accepted
	metricRejected     = "vitals.exporter.rejected"      // counter: points the backend refused as invalid
	metricDropped      = "vitals.exporter.dropped"       // counter: points never delivered (full queue, Shutdown deadline)
	metricRetries      = "vitals.exporter.retries"       // counter: Export calls that offered a snapshot again
	metricQueue        = "vitals.exporter.queue"         // functional gauge: snapshots queued
	metricFlush        = "vitals.exporter.flush"         // timer: duration of successful Export calls
	metricSinceSuccess = "vitals.exporter.since_success" // functional float gauge: seconds since the last success, or since Start
	metricSpooled      = "vitals.exporter.spooled"       // functional gauge: points in the spool (with Config.SpoolDir)
	metricSpooledBytes = "vitals.exporter.spooled_bytes" // functional gauge: size of the spool's files
	metricSpoolDropped = "vitals.exporter.spool_dropped" // counter: points the spool removed (cap, damaged or failing records), part of dropped
	tagExporter        = "exporter"
)

// selfMetrics are one exporter's handles. If the registry refuses a series
// (it is full, say), the handle still counts, for Health, and the registry
// logs why it is not exported.
type selfMetrics struct {
	exported, rejected, dropped, retries *metrics.Counter
	spoolDropped                         *metrics.Counter // with a spool only
	flush                                *metrics.Timer
}

// register registers w's series in reg. The counters and the timer are
// cumulative in the registry, so a later Reporter on the same registry
// continues them.
func (w *worker) register(reg *metrics.Registry) {
	tags := metrics.Tags{tagExporter: w.name}
	w.self = selfMetrics{
		exported: reg.Counter(metricExported, tags),
		rejected: reg.Counter(metricRejected, tags),
		dropped:  reg.Counter(metricDropped, tags),
		retries:  reg.Counter(metricRetries, tags),
		flush:    reg.Timer(metricFlush, tags),
	}
	if w.spoolDir != "" {
		w.self.spoolDropped = reg.Counter(metricSpoolDropped, tags)
	}
	reg.FunctionalGauge(metricQueue, tags, w.queued)
	reg.FunctionalGaugeFloat64(metricSinceSuccess, tags, w.sinceSuccess)
}

// openSpool opens w's spool, if Config.SpoolDir is set, and registers its
// gauges. Called by Start after register, before w runs.
func (w *worker) openSpool(reg *metrics.Registry) {
	if w.spoolDir == "" {
		return
	}
	w.spool = openSpooler(w.spoolDir, w.name, w.spoolMax, w.log, w.self.dropped, w.self.spoolDropped)
	tags := metrics.Tags{tagExporter: w.name}
	reg.FunctionalGauge(metricSpooled, tags, w.spool.points.Load)
	reg.FunctionalGauge(metricSpooledBytes, tags, w.spool.bytes.Load)
}

// unregister removes w's functional gauges, which would otherwise keep
// reading a stopped worker.
func (w *worker) unregister(reg *metrics.Registry) {
	tags := metrics.Tags{tagExporter: w.name}
	reg.Unregister(metricQueue, tags)
	reg.Unregister(metricSinceSuccess, tags)
	if w.spool != nil {
		reg.Unregister(metricSpooled, tags)
		reg.Unregister(metricSpooledBytes, tags)
	}
}

func (w *worker) queued() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return int64(w.q.len())
}

func (w *worker) sinceSuccess() float64 {
	w.mu.Lock()
	since := w.started
	if !w.lastSuccess.IsZero() {
		since = w.lastSuccess
	}
	w.mu.Unlock()
	return time.Since(since).Seconds()
}
