package vitals_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vitals-go/vitals"
	"github.com/vitals-go/vitals/metrics"
)

// TestSpoolDir: VITALS_SPOOL_DIR gives each service its own directory
// under it, one exporter's spool each; a second process, here a second
// Start, of the same service runs without a spool and its health report
// says why.
func TestSpoolDir(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("VITALS_SPOOL_DIR", dir)
	start := func() *vitals.Instance {
		t.Helper()
		inst, err := vitals.Start(context.Background(), vitals.Config{
			Service: "pay/ments", HealthAddr: vitals.Off, PprofAddr: vitals.Off,
			Registry: metrics.NewRegistry(), Console: io.Discard,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { inst.Shutdown(context.Background()) })
		return inst
	}
	first := start()
	if _, err := os.Stat(filepath.Join(dir, "pay%2Fments", "console", "LOCK")); err != nil {
		t.Fatalf("the console exporter's spool is not in the service's directory: %v", err)
	}
	if report := reportText(t, first); strings.Contains(report, "no spool") {
		t.Errorf("the first process reports no spool:\n%s", report)
	}
	second := start()
	report := reportText(t, second)
	if !strings.Contains(report, "WARN Export console:") || !strings.Contains(report, "no spool: ") ||
		!strings.Contains(report, "in use by process "+strconv.Itoa(os.Getpid())) {
		t.Errorf("the second process's report does not say that the spool is held by pid %d:\n%s", os.Getpid(), report)
	}
}

// reportText returns inst's health report as nc shows it.
func reportText(t *testing.T, inst *vitals.Instance) string {
	t.Helper()
	var b strings.Builder
	if err := inst.Health.Report(context.Background()).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
