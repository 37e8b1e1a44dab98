package e2e_test

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/metrics"
)

// BenchmarkHotPathDuringSpooling measures Timer.Update and Counter.Inc with
// no exporter, and while a Reporter spools every snapshot of a stopped
// PostgreSQL to disk: 1,000 series (or 10,000) every 100 ms, a memory queue
// of 5, retries every 10-100 ms, each failure followed by a write and an
// fsync. The hot path must cost the same: it never waits for the exporters
// or the disk.
func BenchmarkHotPathDuringSpooling(b *testing.B) {
	quiet := slog.New(slog.DiscardHandler)
	for _, bench := range []struct {
		name   string
		series int
		spool  bool
	}{
		{"none", 1000, false},
		{"postgres-stopped/spool/1000series", 1000, true},
		{"postgres-stopped/spool/10000series", 10000, true},
	} {
		b.Run(bench.name, func(b *testing.B) {
			reg := metrics.NewRegistry(metrics.WithMaxSeries(bench.series + 100))
			if err := reg.SetDefaultTags(metrics.Tags{"host": "bench"}); err != nil {
				b.Fatal(err)
			}
			for i := range bench.series {
				reg.Counter("filler", metrics.Tags{"i": strconv.Itoa(i)})
			}
			var rep *exporters.Reporter
			if bench.spool {
				var err error
				rep, err = exporters.Start(reg, exporters.Config{
					Exporters:  map[string]exporters.Exporter{"down": stoppedPostgres(b, quiet)},
					Interval:   100 * time.Millisecond,
					QueueSize:  5,
					MinBackoff: 10 * time.Millisecond,
					MaxBackoff: 100 * time.Millisecond,
					SpoolDir:   b.TempDir(),
					Logger:     quiet,
				})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Second)
					defer cancel()
					rep.Shutdown(ctx) //nolint:errcheck // the backend is down: spooled
				})
			}
			measureHotPath(b, reg)
			if rep != nil {
				h := rep.Health()[0]
				if h.Dropped != 0 || h.Spool.Error != "" {
					b.Fatalf("the spool did not keep everything: %+v", h)
				}
				b.ReportMetric(float64(h.Spool.Records), "spooled-snapshots")
			}
		})
	}
}
