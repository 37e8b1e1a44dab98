package bench

import (
	"context"
	"math"
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

// Float gauges: setting a float64 gauge with one tag, such as a ratio. The
// atomic baseline is a Uint64.Store of the value's bits, what go-metrics'
// GaugeFloat64.Update does (through its interface). vitals also refuses NaN
// and ±Inf (counted as bad values) and notes that the gauge was set, for
// idle expiry. OpenTelemetry's is the synchronous Float64Gauge. The value
// advances by 0.5 per call, so that every call stores a new value.

func BenchmarkGaugeFloat64Update(b *testing.B) {
	b.Run("atomic", func(b *testing.B) {
		var n atomic.Uint64
		b.ReportAllocs()
		v := 0.0
		b.ResetTimer()
		for range b.N {
			v += 0.5
			n.Store(math.Float64bits(v))
		}
	})
	b.Run("vitals", func(b *testing.B) {
		g := metrics.NewRegistry().GaugeFloat64("cache.ratio", metrics.Tags{"queue": "base"})
		b.ReportAllocs()
		v := 0.0
		b.ResetTimer()
		for range b.N {
			v += 0.5
			g.Update(v)
		}
	})
	b.Run("gometrics", func(b *testing.B) {
		g := gometrics.NewRegisteredGaugeFloat64("cache.ratio.queue.base", gometrics.NewRegistry())
		b.ReportAllocs()
		v := 0.0
		b.ResetTimer()
		for range b.N {
			v += 0.5
			g.Update(v)
		}
	})
	b.Run("tally", func(b *testing.B) {
		g := tallyScope(b).Tagged(map[string]string{"queue": "base"}).Gauge("cache_ratio")
		b.ReportAllocs()
		v := 0.0
		b.ResetTimer()
		for range b.N {
			v += 0.5
			g.Update(v)
		}
	})
	b.Run("prometheus", func(b *testing.B) {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "cache_ratio", ConstLabels: prometheus.Labels{"queue": "base"}})
		b.ReportAllocs()
		v := 0.0
		b.ResetTimer()
		for range b.N {
			v += 0.5
			g.Set(v)
		}
	})
	b.Run("victoriametrics", func(b *testing.B) {
		g := vm.NewSet().NewGauge(`cache_ratio{queue="base"}`, nil)
		b.ReportAllocs()
		v := 0.0
		b.ResetTimer()
		for range b.N {
			v += 0.5
			g.Set(v)
		}
	})
	b.Run("otel", func(b *testing.B) {
		meter, _ := otelMeter(b)
		g := must(meter.Float64Gauge("cache.ratio"))
		set := attribute.NewSet(attribute.String("queue", "base"))
		ctx := context.Background()
		b.ReportAllocs()
		v := 0.0
		b.ResetTimer()
		for range b.N {
			v += 0.5
			g.Record(ctx, v, metric.WithAttributeSet(set))
		}
	})
}

func BenchmarkGaugeFloat64UpdateParallel(b *testing.B) {
	b.Run("atomic", func(b *testing.B) {
		var n atomic.Uint64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			v := 0.0
			for pb.Next() {
				v += 0.5
				n.Store(math.Float64bits(v))
			}
		})
	})
	b.Run("vitals", func(b *testing.B) {
		g := metrics.NewRegistry().GaugeFloat64("cache.ratio", metrics.Tags{"queue": "base"})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			v := 0.0
			for pb.Next() {
				v += 0.5
				g.Update(v)
			}
		})
	})
	b.Run("gometrics", func(b *testing.B) {
		g := gometrics.NewRegisteredGaugeFloat64("cache.ratio.queue.base", gometrics.NewRegistry())
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			v := 0.0
			for pb.Next() {
				v += 0.5
				g.Update(v)
			}
		})
	})
	b.Run("tally", func(b *testing.B) {
		g := tallyScope(b).Tagged(map[string]string{"queue": "base"}).Gauge("cache_ratio")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			v := 0.0
			for pb.Next() {
				v += 0.5
				g.Update(v)
			}
		})
	})
	b.Run("prometheus", func(b *testing.B) {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "cache_ratio", ConstLabels: prometheus.Labels{"queue": "base"}})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			v := 0.0
			for pb.Next() {
				v += 0.5
				g.Set(v)
			}
		})
	})
	b.Run("victoriametrics", func(b *testing.B) {
		g := vm.NewSet().NewGauge(`cache_ratio{queue="base"}`, nil)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			v := 0.0
			for pb.Next() {
				v += 0.5
				g.Set(v)
			}
		})
	})
	b.Run("otel", func(b *testing.B) {
		meter, _ := otelMeter(b)
		g := must(meter.Float64Gauge("cache.ratio"))
		set := attribute.NewSet(attribute.String("queue", "base"))
		ctx := context.Background()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			v := 0.0
			for pb.Next() {
				v += 0.5
				g.Record(ctx, v, metric.WithAttributeSet(set))
			}
		})
	})
}
