package exporters

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

type nopExporter struct{}

func (nopExporter) Export(ctx context.Context, snap metrics.Snapshot) error { return nil }
func (nopExporter) Shutdown(ctx context.Context) error                      { return nil }

func TestConfigDefaults(t *testing.T) {
	one := map[string]Exporter{"e": nopExporter{}}
	logger := slog.New(slog.DiscardHandler)
	tests := []struct {
		name string
		cfg  Config
		want settings
	}{
		{"zero", Config{Exporters: one},
			settings{interval: 10 * time.Second, timeout: 10 * time.Second, queueSize: 30,
				minBackoff: 100 * time.Millisecond, maxBackoff: 30 * time.Second}},
		{"timeout follows the interval", Config{Exporters: one, Interval: time.Minute},
			settings{interval: time.Minute, timeout: time.Minute, queueSize: 30,
				minBackoff: 100 * time.Millisecond, maxBackoff: 30 * time.Second}},
		{"set", Config{Exporters: one, Interval: time.Second, Timeout: 3 * time.Second, QueueSize: 5,
			MinBackoff: time.Second, MaxBackoff: 2 * time.Second, Logger: logger},
			settings{interval: time.Second, timeout: 3 * time.Second, queueSize: 5,
				minBackoff: time.Second, maxBackoff: 2 * time.Second, logger: logger}},
		{"short MaxBackoff lowers the default MinBackoff", Config{Exporters: one, MaxBackoff: 50 * time.Millisecond},
			settings{interval: 10 * time.Second, timeout: 10 * time.Second, queueSize: 30,
				minBackoff: 50 * time.Millisecond, maxBackoff: 50 * time.Millisecond}},
		{"long MinBackoff raises the default MaxBackoff", Config{Exporters: one, MinBackoff: time.Minute},
			settings{interval: 10 * time.Second, timeout: 10 * time.Second, queueSize: 30,
				minBackoff: time.Minute, maxBackoff: time.Minute}},
	}
	for _, tt := range tests {
		got, err := tt.cfg.settings(metrics.NewRegistry())
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if tt.want.logger == nil {
			tt.want.logger = slog.Default()
		}
		tt.want.exporters = got.exporters
		if got.interval != tt.want.interval || got.timeout != tt.want.timeout || got.queueSize != tt.want.queueSize ||
			got.minBackoff != tt.want.minBackoff || got.maxBackoff != tt.want.maxBackoff || got.logger != tt.want.logger {
			t.Errorf("%s: settings %+v; want %+v", tt.name, got, tt.want)
		}
	}
}
