package bench

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	vm "github.com/VictoriaMetrics/metrics"
	"github.com/prometheus/client_golang/prometheus"
	gometrics "github.com/rcrowley/go-metrics"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/vitals-go/vitals/metrics"
)

// Meters: a count whose rates are exported. Only vitals and go-metrics have
// a meter type. tally, client_golang, VictoriaMetrics and OpenTelemetry have
// none: a rate is computed from a counter by the backend, so their entry is
// their counter (OpenTelemetry's Int64Counter, the nearest equivalent), the
// closest thing a user of theirs would write.

func BenchmarkMeterMark(b *testing.B) {
	b.Run("atomic", func(b *testing.B) {
		var n atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			n.Add(1)
		}
	})
	b.Run("vitals", func(b *testing.B) {
		m := metrics.NewRegistry().Meter("flows", metrics.Tags{"queue": "base"})
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			m.Mark(1)
		}
	})
	b.Run("gometrics", func(b *testing.B) {
		m := gometrics.NewMeter() // registers with the global arbiter goroutine
		defer m.Stop()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			m.Mark(1)
		}
	})
	b.Run("tally", func(b *testing.B) { // a Counter: tally has no meter
		c := tallyScope(b).Tagged(map[string]string{"queue": "base"}).Counter("flows")
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			c.Inc(1)
		}
	})
	b.Run("prometheus", func(b *testing.B) { // a Counter: rate() is computed by the server
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: "flows_total", ConstLabels: prometheus.Labels{"queue": "base"}})
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			c.Inc()
		}
	})
	b.Run("victoriametrics", func(b *testing.B) { // a Counter, likewise
		c := vm.NewSet().NewCounter(`flows_total{queue="base"}`)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			c.Inc()
		}
	})
	b.Run("otel", func(b *testing.B) { // an Int64Counter: OpenTelemetry has no meter
		meter, _ := otelMeter(b)
		c := must(meter.Int64Counter("flows"))
		set := attribute.NewSet(attribute.String("queue", "base"))
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			c.Add(ctx, 1, metric.WithAttributeSet(set))
		}
	})
}

func BenchmarkMeterMarkParallel(b *testing.B) {
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
		m := metrics.NewRegistry().Meter("flows", metrics.Tags{"queue": "base"})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.Mark(1)
			}
		})
	})
	b.Run("gometrics", func(b *testing.B) {
		m := gometrics.NewMeter()
		defer m.Stop()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.Mark(1)
			}
		})
	})
	b.Run("tally", func(b *testing.B) {
		c := tallyScope(b).Tagged(map[string]string{"queue": "base"}).Counter("flows")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Inc(1)
			}
		})
	})
	b.Run("prometheus", func(b *testing.B) {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: "flows_total", ConstLabels: prometheus.Labels{"queue": "base"}})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Inc()
			}
		})
	})
	b.Run("victoriametrics", func(b *testing.B) {
		c := vm.NewSet().NewCounter(`flows_total{queue="base"}`)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Inc()
			}
		})
	})
	b.Run("otel", func(b *testing.B) {
		meter, _ := otelMeter(b)
		c := must(meter.Int64Counter("flows"))
		set := attribute.NewSet(attribute.String("queue", "base"))
		ctx := context.Background()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Add(ctx, 1, metric.WithAttributeSet(set))
			}
		})
	})
}

// BenchmarkTimeNow is a reference, not a family: go-metrics reads the clock
// on every update (StandardMeter.Mark through updateSnapshot's time.Since,
// ExpDecaySample.Update's time.Now, and StandardTimer.Update both), so its
// numbers depend on what a clock read costs on the machine at hand.
func BenchmarkTimeNow(b *testing.B) {
	var t time.Time
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		t = time.Now()
	}
	runtime.KeepAlive(t)
}
