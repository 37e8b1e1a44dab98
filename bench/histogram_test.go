package bench

import (
	"context"
	"testing"

	vm "github.com/VictoriaMetrics/metrics"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/vitals-go/vitals/metrics"
)

// Histograms of the realistic latency stream (latencies, in nanoseconds, as
// int64 where the library takes int64 and as float64 otherwise).
//
// OpenTelemetry: an Int64Histogram with the 25 classic bounds given as the
// instrument's explicit bucket boundaries (`otel`), and the same instrument
// under a View selecting the base-2 exponential aggregation
// (`otel-exponential`, at most 160 buckets, scale 20 downwards).

// newOtelHistogram returns an Int64Histogram of nanoseconds with the classic
// bounds; under otelExponential they are ignored.
func newOtelHistogram(b *testing.B, opts ...sdkmetric.Option) metric.Int64Histogram {
	meter, _ := otelMeter(b, opts...)
	return must(meter.Int64Histogram("latency", metric.WithUnit("ns"), metric.WithExplicitBucketBoundaries(promBucketsNanos...)))
}

func BenchmarkHistogramUpdate(b *testing.B) {
	b.Run("vitals", func(b *testing.B) {
		h := metrics.NewRegistry().Histogram("latency", metrics.Tags{"queue": "base"})
		b.ReportAllocs()
		i := 0
		b.ResetTimer()
		for range b.N {
			h.Update(latencies[i&latencyMask])
			i++
		}
	})
	b.Run("gometrics", func(b *testing.B) {
		h := newGometricsHistogram()
		b.ReportAllocs()
		i := 0
		b.ResetTimer()
		for range b.N {
			h.Update(latencies[i&latencyMask])
			i++
		}
	})
	b.Run("tally", func(b *testing.B) {
		h := tallyScope(b).Histogram("latency", tallyBucketsNanos)
		b.ReportAllocs()
		i := 0
		b.ResetTimer()
		for range b.N {
			h.RecordValue(latencyFloats[i&latencyMask])
			i++
		}
	})
	b.Run("prometheus", func(b *testing.B) {
		h := newPromHistogram(promBucketsNanos)
		b.ReportAllocs()
		i := 0
		b.ResetTimer()
		for range b.N {
			h.Observe(latencyFloats[i&latencyMask])
			i++
		}
	})
	b.Run("prometheus-native", func(b *testing.B) {
		h := newPromNativeHistogram()
		b.ReportAllocs()
		i := 0
		b.ResetTimer()
		for range b.N {
			h.Observe(latencyFloats[i&latencyMask])
			i++
		}
	})
	b.Run("victoriametrics", func(b *testing.B) {
		h := vm.NewSet().NewHistogram(`latency{queue="base"}`)
		b.ReportAllocs()
		i := 0
		b.ResetTimer()
		for range b.N {
			h.Update(latencyFloats[i&latencyMask])
			i++
		}
	})
	b.Run("otel", func(b *testing.B) {
		h := newOtelHistogram(b)
		set := attribute.NewSet(attribute.String("queue", "base"))
		ctx := context.Background()
		b.ReportAllocs()
		i := 0
		b.ResetTimer()
		for range b.N {
			h.Record(ctx, latencies[i&latencyMask], metric.WithAttributeSet(set))
			i++
		}
	})
	b.Run("otel-exponential", func(b *testing.B) {
		h := newOtelHistogram(b, otelExponential)
		set := attribute.NewSet(attribute.String("queue", "base"))
		ctx := context.Background()
		b.ReportAllocs()
		i := 0
		b.ResetTimer()
		for range b.N {
			h.Record(ctx, latencies[i&latencyMask], metric.WithAttributeSet(set))
			i++
		}
	})
}

func BenchmarkHistogramUpdateParallel(b *testing.B) {
	b.Run("vitals", func(b *testing.B) {
		h := metrics.NewRegistry().Histogram("latency", metrics.Tags{"queue": "base"})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := parallelStart()
			for pb.Next() {
				h.Update(latencies[i&latencyMask])
				i++
			}
		})
	})
	b.Run("gometrics", func(b *testing.B) {
		h := newGometricsHistogram()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := parallelStart()
			for pb.Next() {
				h.Update(latencies[i&latencyMask])
				i++
			}
		})
	})
	b.Run("tally", func(b *testing.B) {
		h := tallyScope(b).Histogram("latency", tallyBucketsNanos)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := parallelStart()
			for pb.Next() {
				h.RecordValue(latencyFloats[i&latencyMask])
				i++
			}
		})
	})
	b.Run("prometheus", func(b *testing.B) {
		h := newPromHistogram(promBucketsNanos)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := parallelStart()
			for pb.Next() {
				h.Observe(latencyFloats[i&latencyMask])
				i++
			}
		})
	})
	b.Run("prometheus-native", func(b *testing.B) {
		h := newPromNativeHistogram()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := parallelStart()
			for pb.Next() {
				h.Observe(latencyFloats[i&latencyMask])
				i++
			}
		})
	})
	b.Run("victoriametrics", func(b *testing.B) {
		h := vm.NewSet().NewHistogram(`latency{queue="base"}`)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := parallelStart()
			for pb.Next() {
				h.Update(latencyFloats[i&latencyMask])
				i++
			}
		})
	})
	b.Run("otel", func(b *testing.B) {
		h := newOtelHistogram(b)
		set := attribute.NewSet(attribute.String("queue", "base"))
		ctx := context.Background()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := parallelStart()
			for pb.Next() {
				h.Record(ctx, latencies[i&latencyMask], metric.WithAttributeSet(set))
				i++
			}
		})
	})
	b.Run("otel-exponential", func(b *testing.B) {
		h := newOtelHistogram(b, otelExponential)
		set := attribute.NewSet(attribute.String("queue", "base"))
		ctx := context.Background()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := parallelStart()
			for pb.Next() {
				h.Record(ctx, latencies[i&latencyMask], metric.WithAttributeSet(set))
				i++
			}
		})
	})
}
