package bench

import (
	"context"
	"runtime"
	"strconv"
	"testing"

	vm "github.com/VictoriaMetrics/metrics"
	dto "github.com/prometheus/client_model/go"
	"github.com/uber-go/tally/v4"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/vitals-go/vitals/metrics"
)

// Memory retained per latency histogram, two families:
//
//   - BenchmarkHistogramMemory: 100 histograms per iteration, each fed
//     100,000 values of the realistic stream (latencies, cycled): "retained
//     memory per histogram after 100,000 updates" (issue #7). 100 and not
//     more so that go-metrics' ~300 ns updates keep an iteration near 3 s.
//   - BenchmarkHistogramMemoryWideRange: 1,000 histograms per iteration, each
//     fed the 2,000 wideRangeLatencies once (log-uniform over 1 µs..10 s, both
//     ends included, so every bucket range of every library is touched): the
//     worst case, issue #2's "<= 4 KiB per latency histogram spanning
//     1 µs..10 s".
//
// Each iteration reports the growth of HeapAlloc between a GC before and a GC
// after building and feeding the histograms, divided by their number, as
// B/histogram. What the histograms are registered in (a registry, a scope, a
// meter provider) is created before the first reading, so its fixed cost is
// not counted, only what each series adds to it; so is the slice holding the
// histograms. ns/op is meaningless here.
//
// What is counted, per library:
//
//   - vitals: a Histogram handle alone (the zero value, exactly what the
//     registry creates for a new series), like the peers' standalone objects.
//   - vitals-registered: histograms registered in one Registry under one name
//     with distinct tags {"shard": i}; this adds the registry's cost per
//     series (entry, sorted tags, tag strings, index slots).
//   - gometrics: NewHistogram(NewExpDecaySample(1028, 0.015)), unregistered; its
//     reservoir is preallocated for 1,028 samples.
//   - tally: scope.Histogram(name_i, buckets) with distinct names in one root
//     scope, since tally has no standalone histogram: includes the scope's map
//     entry and slice slot; the bucket bounds are shared through the scope's
//     bucket cache.
//   - prometheus, prometheus-native: unregistered NewHistogram, measured after
//     one Write (a scrape), as in steady state: a classic histogram allocates
//     both its hot and cold counts at creation anyway, a native one fills the
//     cold side's bucket map at its first Write.
//   - victoriametrics: the zero Histogram (documented usable), unregistered.
//   - otel, otel-exponential: one Int64Histogram (explicit 25 bounds, or the
//     base-2 exponential aggregation) with one attribute set {shard=i} per
//     "histogram", measured after one ManualReader.Collect into a
//     ResourceMetrics that is then dropped: the SDK's state per attribute set
//     (map entry, Set, data point), the attribute strings included.

const (
	memHistograms          = 100
	memUpdates             = 100_000
	memWideRangeHistograms = 1000
)

func BenchmarkHistogramMemory(b *testing.B) {
	benchHistogramMemory(b, memHistograms, latencies, memUpdates)
}

func BenchmarkHistogramMemoryWideRange(b *testing.B) {
	benchHistogramMemory(b, memWideRangeHistograms, wideRangeLatencies, len(wideRangeLatencies))
}

// benchHistogramMemory runs one sub-benchmark per library: n histograms each
// fed updates values, cycling through values.
func benchHistogramMemory(b *testing.B, n int, values []int64, updates int) {
	floats := convert(values, func(v int64) float64 { return float64(v) })
	feed := func(update func(int64)) {
		for i := range updates {
			update(values[i%len(values)])
		}
	}
	feedFloats := func(update func(float64)) {
		for i := range updates {
			update(floats[i%len(floats)])
		}
	}
	b.Run("vitals", func(b *testing.B) {
		benchMemory(b, n, standalone(func() any {
			h := new(metrics.Histogram)
			feed(h.Update)
			return h
		}))
	})
	b.Run("vitals-registered", func(b *testing.B) {
		benchMemory(b, n, func() func(held []any) {
			r := metrics.NewRegistry()
			return func(held []any) {
				for i := range held {
					h := r.Histogram("latency", metrics.Tags{"shard": strconv.Itoa(i)})
					feed(h.Update)
					held[i] = h
				}
			}
		})
	})
	b.Run("gometrics", func(b *testing.B) {
		benchMemory(b, n, standalone(func() any {
			h := newGometricsHistogram()
			feed(h.Update)
			return h
		}))
	})
	b.Run("tally", func(b *testing.B) {
		benchMemory(b, n, func() func(held []any) {
			s, _ := tally.NewRootScope(tally.ScopeOptions{Reporter: tally.NullStatsReporter}, 0)
			return func(held []any) {
				for i := range held {
					h := s.Histogram("latency_"+strconv.Itoa(i), tallyBucketsNanos)
					feedFloats(h.RecordValue)
					held[i] = h
				}
			}
		})
	})
	b.Run("prometheus", func(b *testing.B) {
		benchMemory(b, n, standalone(func() any {
			h := newPromHistogram(promBucketsNanos)
			feedFloats(h.Observe)
			if err := h.Write(new(dto.Metric)); err != nil {
				b.Fatal(err)
			}
			return h
		}))
	})
	b.Run("prometheus-native", func(b *testing.B) {
		benchMemory(b, n, standalone(func() any {
			h := newPromNativeHistogram()
			feedFloats(h.Observe)
			if err := h.Write(new(dto.Metric)); err != nil {
				b.Fatal(err)
			}
			return h
		}))
	})
	b.Run("victoriametrics", func(b *testing.B) {
		benchMemory(b, n, standalone(func() any {
			h := new(vm.Histogram)
			feedFloats(h.Update)
			return h
		}))
	})
	otel := func(b *testing.B, opts ...sdkmetric.Option) func() func(held []any) {
		return func() func(held []any) {
			// No otelMeter: its Cleanup would keep every iteration's
			// provider alive. A ManualReader starts no goroutine, so an
			// unreachable provider is simply collected.
			reader := sdkmetric.NewManualReader()
			mp := sdkmetric.NewMeterProvider(append([]sdkmetric.Option{sdkmetric.WithReader(reader)}, opts...)...)
			h := must(mp.Meter("github.com/vitals-go/vitals/bench").Int64Histogram("latency",
				metric.WithUnit("ns"), metric.WithExplicitBucketBoundaries(promBucketsNanos...)))
			ctx := context.Background()
			return func(held []any) {
				for i := range held {
					opt := metric.WithAttributeSet(attribute.NewSet(attribute.String("shard", strconv.Itoa(i))))
					feed(func(v int64) { h.Record(ctx, v, opt) })
				}
				var rm metricdata.ResourceMetrics
				if err := reader.Collect(ctx, &rm); err != nil {
					b.Fatal(err)
				}
				held[0] = mp
			}
		}
	}
	b.Run("otel", func(b *testing.B) {
		benchMemory(b, n, otel(b))
	})
	b.Run("otel-exponential", func(b *testing.B) {
		benchMemory(b, n, otel(b, otelExponential))
	})
}

// heapPerObject returns the heap retained per object by the n objects built
// by the fill that prepare returns, in bytes. prepare runs before the first
// reading: it creates what the objects are registered in, if anything, which
// fill captures. fill puts in held (len(held) == n) whatever keeps its objects
// reachable; what fill captures is kept alive too. Neither may keep state
// across calls, or the previous call's objects would be freed during the
// measurement.
func heapPerObject(n int, prepare func() func(held []any)) float64 {
	held := make([]any, n)
	fill := prepare()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fill(held)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(held)
	runtime.KeepAlive(fill)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

// benchMemory measures heapPerObject once per iteration and reports the last.
func benchMemory(b *testing.B, n int, prepare func() func(held []any)) {
	var per float64
	for b.Loop() {
		per = heapPerObject(n, prepare)
	}
	b.ReportMetric(per, "B/histogram")
}

// standalone adapts a constructor of one unregistered object to
// heapPerObject.
func standalone(build func() any) func() func(held []any) {
	return func() func(held []any) {
		return func(held []any) {
			for i := range held {
				held[i] = build()
			}
		}
	}
}
