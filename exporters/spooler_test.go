package exporters

import (
	"strings"
	"testing"

	"github.com/vitals-go/vitals/metrics"
)

func TestSpoolDirName(t *testing.T) {
	for name, want := range map[string]string{
		"postgres":         "postgres",
		"open-tsdb_2.x":    "open-tsdb_2.x",
		"a/b":              "a%2Fb",
		"../up":            "..%2Fup",
		".":                "%2E",
		"..":               "%2E%2E",
		"50%":              "50%25",
		"with space":       "with%20space",
		"é":                "%C3%A9",
		`back\slash:colon`: "back%5Cslash%3Acolon",
	} {
		if got := spoolDirName(name); got != want {
			t.Errorf("spoolDirName(%q) = %q, want %q", name, got, want)
		}
	}
	if spoolDirName("a/b") == spoolDirName("a%2Fb") {
		t.Error("two names share a directory")
	}
}

func TestSpoolConfig(t *testing.T) {
	one := map[string]Exporter{"e": nopExporter{}}
	s, err := Config{Exporters: one, SpoolDir: "/var/spool/x"}.settings(metrics.NewRegistry())
	if err != nil || s.spoolDir != "/var/spool/x" || s.spoolMaxBytes != DefaultSpoolMaxBytes {
		t.Errorf("settings %+v, %v; want the directory and the default cap", s, err)
	}
	if s, err := (Config{Exporters: one}).settings(metrics.NewRegistry()); err != nil || s.spoolDir != "" {
		t.Errorf("without SpoolDir: settings %+v, %v; want no spool", s, err)
	}
	for _, n := range []int64{-1, 1, MinSpoolMaxBytes - 1} {
		_, err := Config{Exporters: one, SpoolDir: "/tmp/x", SpoolMaxBytes: n}.settings(metrics.NewRegistry())
		if err == nil || !strings.Contains(err.Error(), "SpoolMaxBytes") {
			t.Errorf("SpoolMaxBytes %d: error %v; want one naming SpoolMaxBytes", n, err)
		}
	}
}
