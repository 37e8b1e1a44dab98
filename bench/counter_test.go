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

// Counters: one increment of a counter with one tag.
//
// OpenTelemetry: Int64Counter.Add with the attribute set built once and
// passed with metric.WithAttributeSet on every call, as its docs recommend
// (`otel`), and the same with the option slice built once too
// (`otel-reused-option`), which is what is left without the 2 allocations of
// building the option per call.

func BenchmarkCounterInc(b *testing.B) {
	b.Run("atomic", func(b *testing.B) {
		var n atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			n.Add(1)
		}
	})
	b.Run("vitals", func(b *testing.B) {
		c := metrics.NewRegistry().Counter("jobs.done", metrics.Tags{"queue": "base"})
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			c.Inc(1)
		}
	})
	b.Run("gometrics", func(b *testing.B) {
		c := gometrics.NewRegisteredCounter("jobs.done.queue.base", gometrics.NewRegistry())
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			c.Inc(1)
		}
	})
	b.Run("tally", func(b *testing.B) {
		c := tallyScope(b).Tagged(map[string]string{"queue": "base"}).Counter("jobs_done")
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			c.Inc(1)
		}
	})
	b.Run("prometheus", func(b *testing.B) {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: "jobs_done", ConstLabels: prometheus.Labels{"queue": "base"}})
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			c.Inc()
		}
	})
	b.Run("victoriametrics", func(b *testing.B) {
		c := vm.NewSet().NewCounter(`jobs_done{queue="base"}`)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			c.Inc()
		}
	})
	b.Run("otel", func(b *testing.B) {
		meter, _ := otelMeter(b)
		c := must(meter.Int64Counter("jobs.done"))
		set := attribute.NewSet(attribute.String("queue", "base"))
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			c.Add(ctx, 1, metric.WithAttributeSet(set))
		}
	})
	b.Run("otel-reused-option", func(b *testing.B) {
		meter, _ := otelMeter(b)
		c := must(meter.Int64Counter("jobs.done"))
		opts := []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("queue", "base")))}
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			c.Add(ctx, 1, opts...)
		}
	})
}

func BenchmarkCounterIncParallel(b *testing.B) {
	b.Run("atomic", func(b *testing.B) {
		var n atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				n.Add(1)
			}
		})
	})
	b.Run("vitals", func(b *testing.B) {
		c := metrics.NewRegistry().Counter("jobs.done", metrics.Tags{"queue": "base"})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Inc(1)
			}
		})
	})
	b.Run("gometrics", func(b *testing.B) {
		c := gometrics.NewRegisteredCounter("jobs.done.queue.base", gometrics.NewRegistry())
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Inc(1)
			}
		})
	})
	b.Run("tally", func(b *testing.B) {
		c := tallyScope(b).Tagged(map[string]string{"queue": "base"}).Counter("jobs_done")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Inc(1)
			}
		})
	})
	b.Run("prometheus", func(b *testing.B) {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: "jobs_done", ConstLabels: prometheus.Labels{"queue": "base"}})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Inc()
			}
		})
	})
	b.Run("victoriametrics", func(b *testing.B) {
		c := vm.NewSet().NewCounter(`jobs_done{queue="base"}`)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Inc()
			}
		})
	})
	b.Run("otel", func(b *testing.B) {
		meter, _ := otelMeter(b)
		c := must(meter.Int64Counter("jobs.done"))
		set := attribute.NewSet(attribute.String("queue", "base"))
		ctx := context.Background()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Add(ctx, 1, metric.WithAttributeSet(set))
			}
		})
	})
	b.Run("otel-reused-option", func(b *testing.B) {
		meter, _ := otelMeter(b)
		c := must(meter.Int64Counter("jobs.done"))
		opts := []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("queue", "base")))}
		ctx := context.Background()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Add(ctx, 1, opts...)
			}
		})
	})
}
