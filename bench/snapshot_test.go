package bench

import (
	"context"
	"io"
	"strconv"
	"testing"

	vm "github.com/VictoriaMetrics/metrics"
	"github.com/prometheus/client_golang/prometheus"
	gometrics "github.com/rcrowley/go-metrics"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/vitals-go/vitals/metrics"
)

// Reading 100,000 counter series, each library's way of exporting
// everything. Setup (registering and incrementing the series) is outside the
// timed region. metrics.BenchmarkSnapshot100k does the same for vitals with a
// mix of all six kinds; here every library holds counters, tagged
// {shard="i"} (go-metrics: in the name).
//
//   - vitals: IntervalReader.EndInterval(), what the Reporter calls.
//   - gometrics: Registry.Each with a type switch reading Count, what its own
//     reporters do (graphite.go).
//   - prometheus: Registry.Gather() over a registered CounterVec.
//   - victoriametrics: Set.WritePrometheus(io.Discard), text exposition.
//   - otel: ManualReader.Collect into one metricdata.ResourceMetrics reused
//     across iterations, as the SDK's PeriodicReader does, over one
//     Int64Counter with 100,000 attribute sets (the provider's cardinality
//     limit raised from its default of 2,000, as vitals' is from 10,000).
//
// tally has no public on-demand read of a scope outside TestScope.Snapshot (a
// test helper); it reports from its own goroutine, so it is left out.

const snapshotSeries = 100_000

func BenchmarkSnapshot100k(b *testing.B) {
	b.Run("vitals", func(b *testing.B) {
		r := metrics.NewRegistry(metrics.WithMaxSeries(2 * snapshotSeries))
		for i := range snapshotSeries {
			r.Counter("c", metrics.Tags{"shard": strconv.Itoa(i)}).Inc(int64(i))
		}
		reader, err := r.NewIntervalReader()
		if err != nil {
			b.Fatal(err)
		}
		defer reader.Close()
		b.ReportAllocs()
		for b.Loop() {
			if n := len(reader.EndInterval().Series); n != snapshotSeries {
				b.Fatalf("snapshot has %d series", n)
			}
		}
	})
	b.Run("gometrics", func(b *testing.B) {
		r := gometrics.NewRegistry()
		for i := range snapshotSeries {
			gometrics.GetOrRegisterCounter("c.shard."+strconv.Itoa(i), r).Inc(int64(i))
		}
		b.ReportAllocs()
		for b.Loop() {
			var n int
			var sum int64
			r.Each(func(_ string, m any) {
				switch m := m.(type) {
				case gometrics.Counter:
					sum += m.Count()
					n++
				}
			})
			if n != snapshotSeries {
				b.Fatalf("read %d series", n)
			}
		}
	})
	b.Run("prometheus", func(b *testing.B) {
		reg := prometheus.NewRegistry()
		v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "c_total"}, []string{"shard"})
		reg.MustRegister(v)
		for i := range snapshotSeries {
			v.WithLabelValues(strconv.Itoa(i)).Add(float64(i))
		}
		b.ReportAllocs()
		for b.Loop() {
			mfs, err := reg.Gather()
			if err != nil {
				b.Fatal(err)
			}
			if n := len(mfs[0].GetMetric()); n != snapshotSeries {
				b.Fatalf("gathered %d series", n)
			}
		}
	})
	b.Run("victoriametrics", func(b *testing.B) {
		s := vm.NewSet()
		for i := range snapshotSeries {
			s.NewCounter(`c_total{shard="` + strconv.Itoa(i) + `"}`).Set(uint64(i))
		}
		b.ReportAllocs()
		for b.Loop() {
			s.WritePrometheus(io.Discard)
		}
	})
	b.Run("otel", func(b *testing.B) {
		meter, reader := otelMeter(b, sdkmetric.WithCardinalityLimit(2*snapshotSeries))
		c := must(meter.Int64Counter("c"))
		ctx := context.Background()
		for i := range snapshotSeries {
			c.Add(ctx, int64(i), metric.WithAttributeSet(attribute.NewSet(attribute.String("shard", strconv.Itoa(i)))))
		}
		var rm metricdata.ResourceMetrics
		b.ReportAllocs()
		for b.Loop() {
			if err := reader.Collect(ctx, &rm); err != nil {
				b.Fatal(err)
			}
			if n := len(rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64]).DataPoints); n != snapshotSeries {
				b.Fatalf("collected %d series", n)
			}
		}
	})
}
