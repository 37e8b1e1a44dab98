package bench

import (
	"context"
	"testing"
	"time"

	vm "github.com/VictoriaMetrics/metrics"
	"github.com/prometheus/client_golang/prometheus"
	gometrics "github.com/rcrowley/go-metrics"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/vitals-go/vitals/metrics"
)

// Timers: recording one time.Duration of the realistic latency stream.
//
// tally's Timer does not aggregate: Timer.Record hands every duration to the
// scope's StatsReporter at once (stats.go: timer.Record calls
// reporter.ReportTimer, and scope.report skips timers). So what a tally timer
// costs is its reporter's cost, and three entries show it:
//
//   - tally-nullreporter: a root scope whose reporter is tally.NullStatsReporter
//     (interval 0). Record is one interface call to an empty method: it records
//     nothing, and only shows tally's own dispatch cost.
//   - tally-prom: a root scope with tally's own client_golang reporter
//     (tally/v4/prometheus, HistogramTimerType, the same 25 buckets in
//     seconds): a tally Timer that does record, into a client_golang histogram.
//   - tally-histogram: a tally Histogram with DurationBuckets and
//     RecordDuration, tally's in-process aggregation of durations.
//
// client_golang has no timer type: its timer (prometheus.NewTimer) observes
// seconds into a Histogram, so its entries are Histogram.Observe(d.Seconds()).
// VictoriaMetrics' Histogram.UpdateDuration(start) is Update(time.Since(start)
// .Seconds()); given a duration, it is Update(d.Seconds()). Its Summary (a
// sliding-window quantile sketch) is the other way VictoriaMetrics users time
// things.
//
// OpenTelemetry has no timer type either; its semantic conventions record
// durations in seconds into a Float64Histogram, with the 25 classic bounds in
// seconds (`otel`) or the base-2 exponential aggregation (`otel-exponential`).

// newOtelTimer returns a Float64Histogram of seconds with the classic bounds;
// under otelExponential they are ignored.
func newOtelTimer(b *testing.B, opts ...sdkmetric.Option) metric.Float64Histogram {
	meter, _ := otelMeter(b, opts...)
	return must(meter.Float64Histogram("query.latency", metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(promBucketsSeconds...)))
}

// TestTallyPromTimerRecords checks that the tally-prom timer does record:
// each Record lands in the client_golang histogram at once.
func TestTallyPromTimerRecords(t *testing.T) {
	reg := prometheus.NewRegistry()
	timer := newTallyPromTimer(t, reg)
	for _, v := range latencies {
		timer.Record(time.Duration(v))
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs { // tally also registers its own cardinality gauges
		if mf.GetName() != "query_latency" {
			continue
		}
		if n := mf.GetMetric()[0].GetHistogram().GetSampleCount(); n != uint64(len(latencies)) {
			t.Fatalf("histogram holds %d durations, want %d", n, len(latencies))
		}
		return
	}
	t.Fatalf("no query_latency in %v", mfs)
}

func BenchmarkTimerUpdate(b *testing.B) {
	b.Run("vitals", func(b *testing.B) {
		t := metrics.NewRegistry().Timer("query.latency", metrics.Tags{"stage": "plan"})
		b.ReportAllocs()
		i := 0
		b.ResetTimer()
		for range b.N {
			t.Update(time.Duration(latencies[i&latencyMask]))
			i++
		}
	})
	b.Run("gometrics", func(b *testing.B) {
		t := gometrics.NewTimer() // an ExpDecaySample(1028, 0.015) histogram and a meter
		defer t.Stop()
		b.ReportAllocs()
		i := 0
		b.ResetTimer()
		for range b.N {
			t.Update(time.Duration(latencies[i&latencyMask]))
			i++
		}
	})
	b.Run("tally-nullreporter", func(b *testing.B) {
		t := tallyScope(b).Tagged(map[string]string{"stage": "plan"}).Timer("query_latency")
		b.ReportAllocs()
		i := 0
		b.ResetTimer()
		for range b.N {
			t.Record(time.Duration(latencies[i&latencyMask]))
			i++
		}
	})
	b.Run("tally-prom", func(b *testing.B) {
		t := newTallyPromTimer(b, prometheus.NewRegistry())
		b.ReportAllocs()
		i := 0
		b.ResetTimer()
		for range b.N {
			t.Record(time.Duration(latencies[i&latencyMask]))
			i++
		}
	})
	b.Run("tally-histogram", func(b *testing.B) {
		h := tallyScope(b).Tagged(map[string]string{"stage": "plan"}).Histogram("query_latency", tallyBucketsDur)
		b.ReportAllocs()
		i := 0
		b.ResetTimer()
		for range b.N {
			h.RecordDuration(time.Duration(latencies[i&latencyMask]))
			i++
		}
	})
	b.Run("prometheus", func(b *testing.B) {
		h := newPromHistogram(promBucketsSeconds)
		b.ReportAllocs()
		i := 0
		b.ResetTimer()
		for range b.N {
			h.Observe(time.Duration(latencies[i&latencyMask]).Seconds())
			i++
		}
	})
	b.Run("prometheus-native", func(b *testing.B) {
		h := newPromNativeHistogram()
		b.ReportAllocs()
		i := 0
		b.ResetTimer()
		for range b.N {
			h.Observe(time.Duration(latencies[i&latencyMask]).Seconds())
			i++
		}
	})
	b.Run("victoriametrics", func(b *testing.B) {
		h := vm.NewSet().NewHistogram(`query_latency{stage="plan"}`)
		b.ReportAllocs()
		i := 0
		b.ResetTimer()
		for range b.N {
			h.Update(time.Duration(latencies[i&latencyMask]).Seconds())
			i++
		}
	})
	b.Run("victoriametrics-summary", func(b *testing.B) {
		s := newVMSummary(b)
		b.ReportAllocs()
		i := 0
		b.ResetTimer()
		for range b.N {
			s.Update(time.Duration(latencies[i&latencyMask]).Seconds())
			i++
		}
	})
	b.Run("otel", func(b *testing.B) {
		h := newOtelTimer(b)
		set := attribute.NewSet(attribute.String("stage", "plan"))
		ctx := context.Background()
		b.ReportAllocs()
		i := 0
		b.ResetTimer()
		for range b.N {
			h.Record(ctx, time.Duration(latencies[i&latencyMask]).Seconds(), metric.WithAttributeSet(set))
			i++
		}
	})
	b.Run("otel-exponential", func(b *testing.B) {
		h := newOtelTimer(b, otelExponential)
		set := attribute.NewSet(attribute.String("stage", "plan"))
		ctx := context.Background()
		b.ReportAllocs()
		i := 0
		b.ResetTimer()
		for range b.N {
			h.Record(ctx, time.Duration(latencies[i&latencyMask]).Seconds(), metric.WithAttributeSet(set))
			i++
		}
	})
}

func BenchmarkTimerUpdateParallel(b *testing.B) {
	b.Run("vitals", func(b *testing.B) {
		t := metrics.NewRegistry().Timer("query.latency", metrics.Tags{"stage": "plan"})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := parallelStart()
			for pb.Next() {
				t.Update(time.Duration(latencies[i&latencyMask]))
				i++
			}
		})
	})
	b.Run("gometrics", func(b *testing.B) {
		t := gometrics.NewTimer()
		defer t.Stop()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := parallelStart()
			for pb.Next() {
				t.Update(time.Duration(latencies[i&latencyMask]))
				i++
			}
		})
	})
	b.Run("tally-nullreporter", func(b *testing.B) {
		t := tallyScope(b).Tagged(map[string]string{"stage": "plan"}).Timer("query_latency")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := parallelStart()
			for pb.Next() {
				t.Record(time.Duration(latencies[i&latencyMask]))
				i++
			}
		})
	})
	b.Run("tally-prom", func(b *testing.B) {
		t := newTallyPromTimer(b, prometheus.NewRegistry())
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := parallelStart()
			for pb.Next() {
				t.Record(time.Duration(latencies[i&latencyMask]))
				i++
			}
		})
	})
	b.Run("tally-histogram", func(b *testing.B) {
		h := tallyScope(b).Tagged(map[string]string{"stage": "plan"}).Histogram("query_latency", tallyBucketsDur)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := parallelStart()
			for pb.Next() {
				h.RecordDuration(time.Duration(latencies[i&latencyMask]))
				i++
			}
		})
	})
	b.Run("prometheus", func(b *testing.B) {
		h := newPromHistogram(promBucketsSeconds)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := parallelStart()
			for pb.Next() {
				h.Observe(time.Duration(latencies[i&latencyMask]).Seconds())
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
				h.Observe(time.Duration(latencies[i&latencyMask]).Seconds())
				i++
			}
		})
	})
	b.Run("victoriametrics", func(b *testing.B) {
		h := vm.NewSet().NewHistogram(`query_latency{stage="plan"}`)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := parallelStart()
			for pb.Next() {
				h.Update(time.Duration(latencies[i&latencyMask]).Seconds())
				i++
			}
		})
	})
	b.Run("victoriametrics-summary", func(b *testing.B) {
		s := newVMSummary(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := parallelStart()
			for pb.Next() {
				s.Update(time.Duration(latencies[i&latencyMask]).Seconds())
				i++
			}
		})
	})
	b.Run("otel", func(b *testing.B) {
		h := newOtelTimer(b)
		set := attribute.NewSet(attribute.String("stage", "plan"))
		ctx := context.Background()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := parallelStart()
			for pb.Next() {
				h.Record(ctx, time.Duration(latencies[i&latencyMask]).Seconds(), metric.WithAttributeSet(set))
				i++
			}
		})
	})
	b.Run("otel-exponential", func(b *testing.B) {
		h := newOtelTimer(b, otelExponential)
		set := attribute.NewSet(attribute.String("stage", "plan"))
		ctx := context.Background()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := parallelStart()
			for pb.Next() {
				h.Record(ctx, time.Duration(latencies[i&latencyMask]).Seconds(), metric.WithAttributeSet(set))
				i++
			}
		})
	})
}
