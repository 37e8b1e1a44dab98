package vitals

import (
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/healthcheck"
)

func TestExporterResult(t *testing.T) {
	const interval = 10 * time.Second
	start := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	cause := "opentsdb: connection refused (telnet 127.0.0.1:1)"
	for _, tc := range []struct {
		name string
		eh   exporters.ExporterHealth
		at   time.Duration // since start
		want healthcheck.Status
	}{
		{"delivering", exporters.ExporterHealth{LastSuccess: start.Add(10 * time.Second)}, 16 * time.Second, healthcheck.Good},
		{"first failure", exporters.ExporterHealth{LastError: cause, LastErrorAt: start.Add(5 * time.Second)}, 6 * time.Second, healthcheck.Good},
		{"failing 16 s from the start", exporters.ExporterHealth{LastError: cause, LastErrorAt: start.Add(15 * time.Second)}, 16 * time.Second, healthcheck.Warn},
		{"failing 16 s after a success", exporters.ExporterHealth{LastSuccess: start, LastError: cause, LastErrorAt: start.Add(15 * time.Second)}, 16 * time.Second, healthcheck.Warn},
		{"recovered", exporters.ExporterHealth{LastSuccess: start.Add(15 * time.Second), LastError: cause, LastErrorAt: start.Add(10 * time.Second)}, 16 * time.Second, healthcheck.Good},
		{"two intervals silent", exporters.ExporterHealth{LastSuccess: start}, 21 * time.Second, healthcheck.Warn},
		{"replaying its spool", exporters.ExporterHealth{LastSuccess: start.Add(10 * time.Second), Spool: exporters.SpoolHealth{Dir: "/s", Records: 3, Bytes: 2_500_000}}, 16 * time.Second, healthcheck.Warn},
		{"spool refused", exporters.ExporterHealth{LastSuccess: start.Add(10 * time.Second), Spool: exporters.SpoolHealth{Dir: "/s", Error: "held by pid 7"}}, 16 * time.Second, healthcheck.Warn},
		{"five intervals silent", exporters.ExporterHealth{LastSuccess: start, LastError: cause, LastErrorAt: start.Add(50 * time.Second)}, 51 * time.Second, healthcheck.Critical},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := exporterResult(tc.eh, interval, start, start.Add(tc.at))
			if r.Status != tc.want {
				t.Errorf("status %v, want %v (%s)", r.Status, tc.want, r.Value)
			}
			failing := tc.eh.LastErrorAt.After(tc.eh.LastSuccess)
			if failing && !strings.HasPrefix(r.Value, "failing: "+cause) {
				t.Errorf("value %q does not lead with the error", r.Value)
			}
			if !failing && strings.Contains(r.Value, cause) {
				t.Errorf("value %q shows an error that is over", r.Value)
			}
			if sp := tc.eh.Spool; sp.Records > 0 && !strings.Contains(r.Value, "spooled 3 (2.5 MB)") ||
				sp.Error != "" && !strings.Contains(r.Value, "no spool: "+sp.Error) {
				t.Errorf("value %q does not show the spool %+v", r.Value, sp)
			}
		})
	}
}
