package vitals

import (
	"context"
	"fmt"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/healthcheck"
)

// registerChecks adds the SDK's own lines to the health report: one per
// exporter and one for refused series.
func registerChecks(h *healthcheck.Health, rep *exporters.Reporter, cfg Config) {
	started := time.Now()
	for _, eh := range rep.Health() {
		name := eh.Name
		h.Register("Export "+name, func(context.Context) healthcheck.Result {
			for _, eh := range rep.Health() {
				if eh.Name == name {
					return exporterResult(eh, cfg.FlushInterval, started, time.Now())
				}
			}
			return healthcheck.Result{Status: healthcheck.Critical, Value: "exporter gone"}
		})
	}
	h.Register("Refused series", func(context.Context) healthcheck.Result {
		r := cfg.Registry.Refused()
		refused := r.Invalid + r.KindConflict + r.OverLimit
		value := fmt.Sprintf("%d (invalid %d, kind conflict %d, over limit %d), bad values %d",
			refused, r.Invalid, r.KindConflict, r.OverLimit, r.BadValues)
		if refused > 0 || r.BadValues > 0 {
			// The latest offender first, so that the 200-byte line keeps it.
			value = fmt.Sprintf("latest %s ago: %s; %s", time.Since(r.LastAt).Round(time.Second), r.Last, value)
			return healthcheck.Result{Status: healthcheck.Warn, Value: value}
		}
		return healthcheck.Result{Status: healthcheck.Good, Value: value}
	})
}

// exporterResult rates an exporter: GOOD while it delivers every interval;
// WARN once its exports have failed for a whole interval, or two intervals
// passed without a success, or snapshots pile up in its queue or its
// spool; CRITICAL
// when nothing got through for five intervals. A spool that holds
// snapshots, or that could not be opened, is shown and WARNs. While it fails, the value
// leads with the error, so that the cause survives the report's 200-byte
// limit.
func exporterResult(eh exporters.ExporterHealth, interval time.Duration, started, now time.Time) healthcheck.Result {
	last := "never"
	since := now.Sub(started)
	if !eh.LastSuccess.IsZero() {
		since = now.Sub(eh.LastSuccess)
		last = since.Round(time.Second).String() + " ago"
	}
	value := fmt.Sprintf("last success %s, queued %d, exported %d, dropped %d, rejected %d",
		last, eh.Queued, eh.Exported, eh.Dropped, eh.Rejected)
	sp := eh.Spool
	switch {
	case sp.Error != "":
		value += "; no spool: " + sp.Error
	case sp.Records > 0:
		value += fmt.Sprintf(", spooled %d (%.1f MB)", sp.Records, float64(sp.Bytes)/1e6)
	}
	failing := eh.LastError != "" && eh.LastErrorAt.After(eh.LastSuccess)
	if failing {
		value = "failing: " + eh.LastError + "; " + value
	}
	switch {
	case since > 5*interval:
		return healthcheck.Result{Status: healthcheck.Critical, Value: value}
	case since > 2*interval || (failing && since > interval) || eh.Queued > 1 || sp.Error != "" || sp.Records > 0:
		return healthcheck.Result{Status: healthcheck.Warn, Value: value}
	}
	return healthcheck.Result{Status: healthcheck.Good, Value: value}
}
