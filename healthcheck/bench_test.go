package healthcheck_test

import (
	"context"
	"io"
	"strconv"
	"testing"

	"github.com/vitals-go/vitals/healthcheck"
	"github.com/vitals-go/vitals/metrics"
)

// BenchmarkReportCached is the cost of a reader when the report is cached:
// what a burst of readers pays.
func BenchmarkReportCached(b *testing.B) {
	h := benchHealth(b, healthcheck.Config{})
	ctx := context.Background()
	h.Report(ctx)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h.Report(ctx)
		}
	})
}

// BenchmarkReportRun is the cost of running 20 metric checks.
func BenchmarkReportRun(b *testing.B) {
	h := benchHealth(b, healthcheck.Config{CacheFor: -1})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		h.Report(ctx)
	}
}

// BenchmarkWriteText is the cost of the text form of a 20-check report.
func BenchmarkWriteText(b *testing.B) {
	r := benchHealth(b, healthcheck.Config{}).Report(context.Background())
	b.ReportAllocs()
	for b.Loop() {
		r.WriteText(io.Discard)
	}
}

func benchHealth(b *testing.B, cfg healthcheck.Config) *healthcheck.Health {
	reg := metrics.NewRegistry()
	h := newHealth(b, cfg)
	for i := range 20 {
		g := reg.Gauge("queue.depth", metrics.Tags{"queue": strconv.Itoa(i)})
		g.Update(int64(i * 100))
		h.Register("Queue "+strconv.Itoa(i), healthcheck.GaugeThreshold(g, 500, 1000))
	}
	return h
}
