package opentsdb

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/metrics"
)

// benchSnapshot is 10,000 series of mixed kinds, about 64,000 points: a
// quarter each counters, gauges, histograms and timers.
func benchSnapshot(b *testing.B) metrics.Snapshot {
	b.Helper()
	r := metrics.NewRegistry(metrics.WithLogger(discardLogger))
	if err := r.SetDefaultTags(metrics.Tags{"host": "bench01", "service": "bench"}); err != nil {
		b.Fatal(err)
	}
	for i := range 2500 {
		tags := metrics.Tags{"shard": fmt.Sprint(i % 50), "route": fmt.Sprintf("/api/v%d", i%7)}
		r.Counter(fmt.Sprintf("requests.%d", i), tags).Inc(int64(i))
		r.Gauge(fmt.Sprintf("queue.%d", i), tags).Update(int64(i))
		h := r.Histogram(fmt.Sprintf("sizes.%d", i), tags)
		tm := r.Timer(fmt.Sprintf("latency.%d", i), tags)
		for v := range 5 {
			h.Update(int64(100 * (v + i)))
			tm.Update(time.Duration(v+i) * time.Microsecond)
		}
	}
	return r.Peek()
}

// benchExport exports the snapshot b.N times, each with its own
// timestamp, and reports points/s. VictoriaMetrics runs on the same
// machine and takes most of the CPU: the numbers are end-to-end, server
// included.
func benchExport(b *testing.B, cfg Config) {
	snap := benchSnapshot(b)
	cfg.Prefix = uniquePrefix(b)
	cfg.Logger = discardLogger
	e, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer e.Shutdown(context.Background())
	points := e.Points(snap)
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	ctx := context.Background()
	// Steady state: a service exports the same series every interval, so
	// the server already knows them. Creating 64,000 new series is what
	// VictoriaMetrics spends most of a first export on.
	snap.Time = base.Add(-time.Second)
	if err := e.Export(ctx, snap); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		snap.Time = base.Add(time.Duration(i) * time.Second) // telnet takes whole seconds
		if err := e.Export(ctx, snap); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(points)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
	b.ReportMetric(float64(points), "points/op")
}

func BenchmarkExportHTTP(b *testing.B) {
	vm := testenv.VictoriaMetrics(b)
	b.Run("defaults", func(b *testing.B) { // 50 points, 8 KiB a request: a stock TSD's limits
		benchExport(b, Config{URL: vm.OpenTSDBHTTPURL})
	})
	b.Run("batch=5000", func(b *testing.B) { // for VictoriaMetrics or a TSD with enable_chunked
		benchExport(b, Config{URL: vm.OpenTSDBHTTPURL, BatchSize: 5000, MaxRequestBytes: 4 << 20})
	})
	b.Run("batch=5000/gzip", func(b *testing.B) {
		benchExport(b, Config{URL: vm.OpenTSDBHTTPURL, BatchSize: 5000, MaxRequestBytes: 4 << 20, Gzip: true})
	})
}

func BenchmarkExportTelnet(b *testing.B) {
	vm := testenv.VictoriaMetrics(b)
	benchExport(b, Config{URL: "tcp://" + vm.OpenTSDBTelnetAddr})
}
