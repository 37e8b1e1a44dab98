package postgres

import (
	"log/slog"
	"testing"
	"time"
)

// TestConfigProblems: every problem of a Config is listed in one error;
// the zero value of every field but URL is its default.
func TestConfigProblems(t *testing.T) {
	t.Parallel()
	_, err := Config{Retention: -time.Hour, PartitionsAhead: -1, MaintenanceInterval: -time.Minute, Timeout: -time.Second}.withDefaults()
	want := "postgres: Config.URL is required; Config.Retention is negative (-1h0m0s); Config.PartitionsAhead is negative (-1); " +
		"Config.MaintenanceInterval is negative (-1m0s); Config.Timeout is negative (-1s)"
	if err == nil || err.Error() != want {
		t.Errorf("error:\n %v\nwant:\n %s", err, want)
	}
	if _, err := (Config{}).withDefaults(); err == nil || err.Error() != "postgres: Config.URL is required" {
		t.Errorf("empty Config: %v", err)
	}
	c, err := Config{URL: "postgres://db/metrics"}.withDefaults()
	if err != nil || c.Schema != "public" || c.Retention != 30*24*time.Hour || c.PartitionsAhead != 3 ||
		c.MaintenanceInterval != time.Hour || c.Timeout != 10*time.Second || c.Logger != slog.Default() {
		t.Errorf("defaults: %+v, %v", c, err)
	}
}
