package bench

import (
	"context"
	"testing"

	vm "github.com/VictoriaMetrics/metrics"
	"github.com/prometheus/client_golang/prometheus"
	gometrics "github.com/rcrowley/go-metrics"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Every family runs one sub-benchmark per library, named as below, so that
// `go test -bench` prints BenchmarkCounterInc/vitals, .../gometrics, ...
// (with a -N suffix when GOMAXPROCS is N > 1). Handles are created once,
// outside the timed region, and used the way each library's users hold them:
// vitals returns concrete pointers, go-metrics, tally, client_golang and
// OpenTelemetry return interfaces, VictoriaMetrics concrete pointers. The
// loops are written out per library, without a shared helper, so that no
// extra indirect call is timed.
//
// The files hold one family each (counter_test.go, histogram_test.go, ...);
// this one holds the constructors the families share, and inputs_test.go the
// values they record.

// tallyScope returns a root scope whose reporter discards everything, with no
// reporting goroutine (interval 0). Counters, gauges and histograms still
// aggregate in memory (they are only read at report time); timers do not, see
// timer_test.go.
func tallyScope(b *testing.B) tally.Scope {
	s, closer := tally.NewRootScope(tally.ScopeOptions{Reporter: tally.NullStatsReporter}, 0)
	b.Cleanup(func() { closer.Close() })
	return s
}

func newGometricsHistogram() gometrics.Histogram {
	return gometrics.NewHistogram(gometrics.NewExpDecaySample(1028, 0.015)) // go-metrics' default sample
}

func newPromHistogram(buckets []float64) prometheus.Histogram {
	return prometheus.NewHistogram(prometheus.HistogramOpts{Name: "latency", Buckets: buckets})
}

func newPromNativeHistogram() prometheus.Histogram {
	return prometheus.NewHistogram(prometheus.HistogramOpts{Name: "latency", NativeHistogramBucketFactor: nativeBucketFactor})
}

func newTallyPromTimer(tb testing.TB, reg *prometheus.Registry) tally.Timer {
	reporter := tallyprom.NewReporter(tallyprom.Options{
		Registerer:              reg,
		DefaultTimerType:        tallyprom.HistogramTimerType,
		DefaultHistogramBuckets: promBucketsSeconds,
		OnRegisterError:         func(err error) { tb.Fatal(err) },
	})
	s, closer := tally.NewRootScope(tally.ScopeOptions{CachedReporter: reporter}, 0)
	tb.Cleanup(func() { closer.Close() })
	return s.Tagged(map[string]string{"stage": "plan"}).Timer("query_latency")
}

func newVMSummary(b *testing.B) *vm.Summary {
	set := vm.NewSet()
	const name = `query_latency_summary{stage="plan"}`
	s := set.NewSummary(name)
	b.Cleanup(func() { set.UnregisterMetric(name) }) // drops it from the global list of summaries
	return s
}

// OpenTelemetry is used the way its documentation recommends for hot paths
// (go.opentelemetry.io/otel/metric doc.go, "Avoiding Expensive
// Computations"): a MeterProvider whose only reader is a ManualReader, so no
// exporter goroutine runs and nothing is read unless Collect is called;
// instruments created once; the attributes built once into an attribute.Set
// and passed with metric.WithAttributeSet(set); context.Background(), so the
// default trace-based exemplar filter offers nothing. Everything else is the
// SDK's default: cumulative temporality, a cardinality limit of 2,000
// attribute sets per instrument, explicit-bucket histograms unless a View says
// otherwise.
//
// metric.WithAttributeSet(set) does not avoid allocations: it returns a new
// *attrOpt (24 B) on every call, and the variadic []AddOption (16 B) escapes
// because Add is called through an interface, so `otel` pays 2 allocs/op.
// BenchmarkCounterInc's `otel-reused-option` builds the option slice once and
// shows what is left (0 allocs).

// otelMeter returns a Meter of a new MeterProvider with a ManualReader, and
// the reader. opts add Views or limits.
func otelMeter(tb testing.TB, opts ...sdkmetric.Option) (metric.Meter, *sdkmetric.ManualReader) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(append([]sdkmetric.Option{sdkmetric.WithReader(reader)}, opts...)...)
	tb.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return mp.Meter("github.com/vitals-go/vitals/bench"), reader
}

// otelExponential gives every histogram of a MeterProvider the base-2
// exponential aggregation with the SDK's default limits: at most 160 buckets
// per sign, starting at scale 20 and downscaling as the range grows.
var otelExponential = sdkmetric.WithView(sdkmetric.NewView(
	sdkmetric.Instrument{Kind: sdkmetric.InstrumentKindHistogram},
	sdkmetric.Stream{Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}},
))

// must returns an OpenTelemetry instrument, or panics if creating it failed
// (an invalid name or option: a mistake in this file).
func must[I any](inst I, err error) I {
	if err != nil {
		panic(err)
	}
	return inst
}
