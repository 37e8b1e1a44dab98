package bench

import (
	"context"
	"sync/atomic"
	"testing"

	vm "github.com/VictoriaMetrics/metrics"
	"github.com/prometheus/client_golang/prometheus"
	gometrics "github.com/rcrowley/go-metrics"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/vitals-go/vitals/metrics"
)

// Gauges: setting a gauge with one tag. The atomic baseline is an
// Int64.Store, what setting a gauge amounts to. tally, client_golang and
// VictoriaMetrics gauges are float64; OpenTelemetry's is the synchronous
// Int64Gauge (Record, last value wins).

func BenchmarkGaugeUpdate(b *testing.B) {
	b.Run("atomic", func(b *testing.B) {
		var n atomic.Int64
		b.ReportAllocs()
		i := int64(0)
		b.ResetTimer()
		for range b.N {
			i++
			n.Store(i)
		}
	})
	b.Run("vitals", func(b *testing.B) {
		g := metrics.NewRegistry().Gauge("queue.depth", metrics.Tags{"queue": "base"})
		b.ReportAllocs()
		i := int64(0)
		b.ResetTimer()
		for range b.N {
			i++
			g.Update(i)
		}
	})
	b.Run("gometrics", func(b *testing.B) {
		g := gometrics.NewRegisteredGauge("queue.depth.queue.base", gometrics.NewRegistry())
		b.ReportAllocs()
		i := int64(0)
		b.ResetTimer()
		for range b.N {
			i++
			g.Update(i)
		}
	})
	b.Run("tally", func(b *testing.B) {
		g := tallyScope(b).Tagged(map[string]string{"queue": "base"}).Gauge("queue_depth")
		b.ReportAllocs()
		i := int64(0)
		b.ResetTimer()
		for range b.N {
			i++
			g.Update(float64(i))
		}
	})
	b.Run("prometheus", func(b *testing.B) {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "queue_depth", ConstLabels: prometheus.Labels{"queue": "base"}})
		b.ReportAllocs()
		i := int64(0)
		b.ResetTimer()
		for range b.N {
			i++
			g.Set(float64(i))
		}
	})
	b.Run("victoriametrics", func(b *testing.B) {
		g := vm.NewSet().NewGauge(`queue_depth{queue="base"}`, nil)
		b.ReportAllocs()
		i := int64(0)
		b.ResetTimer()
		for range b.N {
			i++
			g.Set(float64(i))
		}
	})
	b.Run("otel", func(b *testing.B) {
		meter, _ := otelMeter(b)
		g := must(meter.Int64Gauge("queue.depth"))
		set := attribute.NewSet(attribute.String("queue", "base"))
		ctx := context.Background()
		b.ReportAllocs()
		i := int64(0)
		b.ResetTimer()
		for range b.N {
			i++
			g.Record(ctx, i, metric.WithAttributeSet(set))
		}
	})
}

func BenchmarkGaugeUpdateParallel(b *testing.B) {
	b.Run("atomic", func(b *testing.B) {
		var n atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := int64(0)
			for pb.Next() {
				i++
				n.Store(i)
			}
		})
	})
	b.Run("vitals", func(b *testing.B) {
		g := metrics.NewRegistry().Gauge("queue.depth", metrics.Tags{"queue": "base"})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := int64(0)
			for pb.Next() {
				i++
				g.Update(i)
			}
		})
	})
	b.Run("gometrics", func(b *testing.B) {
		g := gometrics.NewRegisteredGauge("queue.depth.queue.base", gometrics.NewRegistry())
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := int64(0)
			for pb.Next() {
				i++
				g.Update(i)
			}
		})
	})
	b.Run("tally", func(b *testing.B) {
		g := tallyScope(b).Tagged(map[string]string{"queue": "base"}).Gauge("queue_depth")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := int64(0)
			for pb.Next() {
				i++
				g.Update(float64(i))
			}
		})
	})
	b.Run("prometheus", func(b *testing.B) {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "queue_depth", ConstLabels: prometheus.Labels{"queue": "base"}})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := int64(0)
			for pb.Next() {
				i++
				g.Set(float64(i))
			}
		})
	})
	b.Run("victoriametrics", func(b *testing.B) {
		g := vm.NewSet().NewGauge(`queue_depth{queue="base"}`, nil)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := int64(0)
			for pb.Next() {
				i++
				g.Set(float64(i))
			}
		})
	})
	b.Run("otel", func(b *testing.B) {
		meter, _ := otelMeter(b)
		g := must(meter.Int64Gauge("queue.depth"))
		set := attribute.NewSet(attribute.String("queue", "base"))
		ctx := context.Background()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := int64(0)
			for pb.Next() {
				i++
				g.Record(ctx, i, metric.WithAttributeSet(set))
			}
		})
	})
}
