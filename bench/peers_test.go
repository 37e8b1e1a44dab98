package bench

import (
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	vm "github.com/VictoriaMetrics/metrics"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	gometrics "github.com/rcrowley/go-metrics"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"

	"github.com/vitals-go/vitals/metrics"
)

// Every family runs one sub-benchmark per library, named as below, so that
// `go test -bench` prints BenchmarkCounterInc/vitals-2, .../gometrics-2, ...
// Handles are created once, outside the timed region, and used the way each
// library's users hold them: vitals returns concrete pointers, go-metrics,
// tally and client_golang return interfaces, VictoriaMetrics concrete
// pointers. The loops are written out per library, without a shared helper,
// so that no extra indirect call is timed.

// latencies are timer inputs in nanoseconds, log-uniform over 1 µs .. 10 s:
// the same generator (and so the same values) as in
// metrics/registry_bench_test.go.
var latencies = func() []int64 {
	out := make([]int64, 1024)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range out {
		out[i] = int64(math.Pow(10, 3+7*rng.Float64()))
	}
	return out
}()

// latencySeconds and latencyFloats are latencies converted once, so that the
// libraries taking float64 are not timed doing the conversion.
var (
	latencyFloats  = convert(latencies, func(v int64) float64 { return float64(v) })
	latencySeconds = convert(latencies, func(v int64) float64 { return time.Duration(v).Seconds() })
)

func convert(in []int64, f func(int64) float64) []float64 {
	out := make([]float64, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// Classic (fixed-bucket) histograms get 25 exponential buckets of factor 2
// from 1 µs: the last finite bound is 1 µs * 2^24 ≈ 16.8 s, so 1 µs..10 s is
// covered. That is a worst-case relative error of up to 50% per bucket,
// against 1% for vitals, ~6% for VictoriaMetrics and ~4.5% for a native
// histogram of factor 1.1 (schema 3, 2^(1/8) ≈ 1.09).
const (
	classicBucketCount  = 25
	classicBucketFactor = 2
	nativeBucketFactor  = 1.1
)

var (
	promBucketsNanos   = prometheus.ExponentialBuckets(1e3, classicBucketFactor, classicBucketCount)
	promBucketsSeconds = prometheus.ExponentialBuckets(1e-6, classicBucketFactor, classicBucketCount)
	tallyBucketsNanos  = tally.MustMakeExponentialValueBuckets(1e3, classicBucketFactor, classicBucketCount)
	tallyBucketsDur    = tally.MustMakeExponentialDurationBuckets(time.Microsecond, classicBucketFactor, classicBucketCount)
)

// tallyScope returns a root scope whose reporter discards everything, with no
// reporting goroutine (interval 0). Counters, gauges and histograms still
// aggregate in memory (they are only read at report time); timers do not, see
// BenchmarkTimerUpdate.
func tallyScope(b *testing.B) tally.Scope {
	s, closer := tally.NewRootScope(tally.ScopeOptions{Reporter: tally.NullStatsReporter}, 0)
	b.Cleanup(func() { closer.Close() })
	return s
}

// 1. Counters.

func BenchmarkCounterInc(b *testing.B) {
	b.Run("atomic", func(b *testing.B) {
		var n atomic.Int64
		b.ReportAllocs()
		for b.Loop() {
			n.Add(1)
		}
	})
	b.Run("vitals", func(b *testing.B) {
		c := metrics.NewRegistry().Counter("jobs.done", metrics.Tags{"queue": "base"})
		b.ReportAllocs()
		for b.Loop() {
			c.Inc(1)
		}
	})
	b.Run("gometrics", func(b *testing.B) {
		c := gometrics.NewRegisteredCounter("jobs.done.queue.base", gometrics.NewRegistry())
		b.ReportAllocs()
		for b.Loop() {
			c.Inc(1)
		}
	})
	b.Run("tally", func(b *testing.B) {
		c := tallyScope(b).Tagged(map[string]string{"queue": "base"}).Counter("jobs_done")
		b.ReportAllocs()
		for b.Loop() {
			c.Inc(1)
		}
	})
	b.Run("prometheus", func(b *testing.B) {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: "jobs_done", ConstLabels: prometheus.Labels{"queue": "base"}})
		b.ReportAllocs()
		for b.Loop() {
			c.Inc()
		}
	})
	b.Run("victoriametrics", func(b *testing.B) {
		c := vm.NewSet().NewCounter(`jobs_done{queue="base"}`)
		b.ReportAllocs()
		for b.Loop() {
			c.Inc()
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
}

// 2. Gauges. The atomic baseline is an Int64.Store, what setting a gauge
// amounts to. tally, client_golang and VictoriaMetrics gauges are float64.

func BenchmarkGaugeUpdate(b *testing.B) {
	b.Run("atomic", func(b *testing.B) {
		var n atomic.Int64
		b.ReportAllocs()
		i := int64(0)
		for b.Loop() {
			i++
			n.Store(i)
		}
	})
	b.Run("vitals", func(b *testing.B) {
		g := metrics.NewRegistry().Gauge("queue.depth", metrics.Tags{"queue": "base"})
		b.ReportAllocs()
		i := int64(0)
		for b.Loop() {
			i++
			g.Update(i)
		}
	})
	b.Run("gometrics", func(b *testing.B) {
		g := gometrics.NewRegisteredGauge("queue.depth.queue.base", gometrics.NewRegistry())
		b.ReportAllocs()
		i := int64(0)
		for b.Loop() {
			i++
			g.Update(i)
		}
	})
	b.Run("tally", func(b *testing.B) {
		g := tallyScope(b).Tagged(map[string]string{"queue": "base"}).Gauge("queue_depth")
		b.ReportAllocs()
		i := int64(0)
		for b.Loop() {
			i++
			g.Update(float64(i))
		}
	})
	b.Run("prometheus", func(b *testing.B) {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "queue_depth", ConstLabels: prometheus.Labels{"queue": "base"}})
		b.ReportAllocs()
		i := int64(0)
		for b.Loop() {
			i++
			g.Set(float64(i))
		}
	})
	b.Run("victoriametrics", func(b *testing.B) {
		g := vm.NewSet().NewGauge(`queue_depth{queue="base"}`, nil)
		b.ReportAllocs()
		i := int64(0)
		for b.Loop() {
			i++
			g.Set(float64(i))
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
}

// 3. Meters: a count whose rates are exported. Only vitals and go-metrics
// have a meter type. tally, client_golang and VictoriaMetrics have none: a
// rate is computed from a counter by the backend, so their entry is their
// counter, the closest thing a user of theirs would write.

func BenchmarkMeterMark(b *testing.B) {
	b.Run("atomic", func(b *testing.B) {
		var n atomic.Int64
		b.ReportAllocs()
		for b.Loop() {
			n.Add(1)
		}
	})
	b.Run("vitals", func(b *testing.B) {
		m := metrics.NewRegistry().Meter("flows", metrics.Tags{"queue": "base"})
		b.ReportAllocs()
		for b.Loop() {
			m.Mark(1)
		}
	})
	b.Run("gometrics", func(b *testing.B) {
		m := gometrics.NewMeter() // registers with the global arbiter goroutine
		defer m.Stop()
		b.ReportAllocs()
		for b.Loop() {
			m.Mark(1)
		}
	})
	b.Run("tally", func(b *testing.B) { // a Counter: tally has no meter
		c := tallyScope(b).Tagged(map[string]string{"queue": "base"}).Counter("flows")
		b.ReportAllocs()
		for b.Loop() {
			c.Inc(1)
		}
	})
	b.Run("prometheus", func(b *testing.B) { // a Counter: rate() is computed by the server
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: "flows_total", ConstLabels: prometheus.Labels{"queue": "base"}})
		b.ReportAllocs()
		for b.Loop() {
			c.Inc()
		}
	})
	b.Run("victoriametrics", func(b *testing.B) { // a Counter, likewise
		c := vm.NewSet().NewCounter(`flows_total{queue="base"}`)
		b.ReportAllocs()
		for b.Loop() {
			c.Inc()
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
}

// BenchmarkTimeNow is a reference, not a family: go-metrics reads the clock
// on every update (StandardMeter.Mark through updateSnapshot's time.Since,
// ExpDecaySample.Update's time.Now, and StandardTimer.Update both), so its
// numbers depend on what a clock read costs on the machine at hand.
func BenchmarkTimeNow(b *testing.B) {
	var t time.Time
	b.ReportAllocs()
	for b.Loop() {
		t = time.Now()
	}
	runtime.KeepAlive(t)
}

// 4. Histograms of latency-like values (latencies, in nanoseconds, as int64
// where the library takes int64 and as float64 otherwise).

func newGometricsHistogram() gometrics.Histogram {
	return gometrics.NewHistogram(gometrics.NewExpDecaySample(1028, 0.015)) // go-metrics' default sample
}

func newPromHistogram(buckets []float64) prometheus.Histogram {
	return prometheus.NewHistogram(prometheus.HistogramOpts{Name: "latency", Buckets: buckets})
}

func newPromNativeHistogram() prometheus.Histogram {
	return prometheus.NewHistogram(prometheus.HistogramOpts{Name: "latency", NativeHistogramBucketFactor: nativeBucketFactor})
}

func BenchmarkHistogramUpdate(b *testing.B) {
	b.Run("vitals", func(b *testing.B) {
		h := metrics.NewRegistry().Histogram("latency", metrics.Tags{"queue": "base"})
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			h.Update(latencies[i&1023])
			i++
		}
	})
	b.Run("gometrics", func(b *testing.B) {
		h := newGometricsHistogram()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			h.Update(latencies[i&1023])
			i++
		}
	})
	b.Run("tally", func(b *testing.B) {
		h := tallyScope(b).Histogram("latency", tallyBucketsNanos)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			h.RecordValue(latencyFloats[i&1023])
			i++
		}
	})
	b.Run("prometheus", func(b *testing.B) {
		h := newPromHistogram(promBucketsNanos)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			h.Observe(latencyFloats[i&1023])
			i++
		}
	})
	b.Run("prometheus-native", func(b *testing.B) {
		h := newPromNativeHistogram()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			h.Observe(latencyFloats[i&1023])
			i++
		}
	})
	b.Run("victoriametrics", func(b *testing.B) {
		h := vm.NewSet().NewHistogram(`latency{queue="base"}`)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			h.Update(latencyFloats[i&1023])
			i++
		}
	})
}

func BenchmarkHistogramUpdateParallel(b *testing.B) {
	b.Run("vitals", func(b *testing.B) {
		h := metrics.NewRegistry().Histogram("latency", metrics.Tags{"queue": "base"})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				h.Update(latencies[i&1023])
				i++
			}
		})
	})
	b.Run("gometrics", func(b *testing.B) {
		h := newGometricsHistogram()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				h.Update(latencies[i&1023])
				i++
			}
		})
	})
	b.Run("tally", func(b *testing.B) {
		h := tallyScope(b).Histogram("latency", tallyBucketsNanos)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				h.RecordValue(latencyFloats[i&1023])
				i++
			}
		})
	})
	b.Run("prometheus", func(b *testing.B) {
		h := newPromHistogram(promBucketsNanos)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				h.Observe(latencyFloats[i&1023])
				i++
			}
		})
	})
	b.Run("prometheus-native", func(b *testing.B) {
		h := newPromNativeHistogram()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				h.Observe(latencyFloats[i&1023])
				i++
			}
		})
	})
	b.Run("victoriametrics", func(b *testing.B) {
		h := vm.NewSet().NewHistogram(`latency{queue="base"}`)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				h.Update(latencyFloats[i&1023])
				i++
			}
		})
	})
}

// 5. Timers: recording one time.Duration.
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

func newVMSummary(b *testing.B) *vm.Summary {
	set := vm.NewSet()
	const name = `query_latency_summary{stage="plan"}`
	s := set.NewSummary(name)
	b.Cleanup(func() { set.UnregisterMetric(name) }) // drops it from the global list of summaries
	return s
}

func BenchmarkTimerUpdate(b *testing.B) {
	b.Run("vitals", func(b *testing.B) {
		t := metrics.NewRegistry().Timer("query.latency", metrics.Tags{"stage": "plan"})
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			t.Update(time.Duration(latencies[i&1023]))
			i++
		}
	})
	b.Run("gometrics", func(b *testing.B) {
		t := gometrics.NewTimer() // an ExpDecaySample(1028, 0.015) histogram and a meter
		defer t.Stop()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			t.Update(time.Duration(latencies[i&1023]))
			i++
		}
	})
	b.Run("tally-nullreporter", func(b *testing.B) {
		t := tallyScope(b).Tagged(map[string]string{"stage": "plan"}).Timer("query_latency")
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			t.Record(time.Duration(latencies[i&1023]))
			i++
		}
	})
	b.Run("tally-prom", func(b *testing.B) {
		t := newTallyPromTimer(b, prometheus.NewRegistry())
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			t.Record(time.Duration(latencies[i&1023]))
			i++
		}
	})
	b.Run("tally-histogram", func(b *testing.B) {
		h := tallyScope(b).Tagged(map[string]string{"stage": "plan"}).Histogram("query_latency", tallyBucketsDur)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			h.RecordDuration(time.Duration(latencies[i&1023]))
			i++
		}
	})
	b.Run("prometheus", func(b *testing.B) {
		h := newPromHistogram(promBucketsSeconds)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			h.Observe(time.Duration(latencies[i&1023]).Seconds())
			i++
		}
	})
	b.Run("prometheus-native", func(b *testing.B) {
		h := newPromNativeHistogram()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			h.Observe(time.Duration(latencies[i&1023]).Seconds())
			i++
		}
	})
	b.Run("victoriametrics", func(b *testing.B) {
		h := vm.NewSet().NewHistogram(`query_latency{stage="plan"}`)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			h.Update(time.Duration(latencies[i&1023]).Seconds())
			i++
		}
	})
	b.Run("victoriametrics-summary", func(b *testing.B) {
		s := newVMSummary(b)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			s.Update(time.Duration(latencies[i&1023]).Seconds())
			i++
		}
	})
}

func BenchmarkTimerUpdateParallel(b *testing.B) {
	b.Run("vitals", func(b *testing.B) {
		t := metrics.NewRegistry().Timer("query.latency", metrics.Tags{"stage": "plan"})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				t.Update(time.Duration(latencies[i&1023]))
				i++
			}
		})
	})
	b.Run("gometrics", func(b *testing.B) {
		t := gometrics.NewTimer()
		defer t.Stop()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				t.Update(time.Duration(latencies[i&1023]))
				i++
			}
		})
	})
	b.Run("tally-nullreporter", func(b *testing.B) {
		t := tallyScope(b).Tagged(map[string]string{"stage": "plan"}).Timer("query_latency")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				t.Record(time.Duration(latencies[i&1023]))
				i++
			}
		})
	})
	b.Run("tally-prom", func(b *testing.B) {
		t := newTallyPromTimer(b, prometheus.NewRegistry())
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				t.Record(time.Duration(latencies[i&1023]))
				i++
			}
		})
	})
	b.Run("tally-histogram", func(b *testing.B) {
		h := tallyScope(b).Tagged(map[string]string{"stage": "plan"}).Histogram("query_latency", tallyBucketsDur)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				h.RecordDuration(time.Duration(latencies[i&1023]))
				i++
			}
		})
	})
	b.Run("prometheus", func(b *testing.B) {
		h := newPromHistogram(promBucketsSeconds)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				h.Observe(time.Duration(latencies[i&1023]).Seconds())
				i++
			}
		})
	})
	b.Run("prometheus-native", func(b *testing.B) {
		h := newPromNativeHistogram()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				h.Observe(time.Duration(latencies[i&1023]).Seconds())
				i++
			}
		})
	})
	b.Run("victoriametrics", func(b *testing.B) {
		h := vm.NewSet().NewHistogram(`query_latency{stage="plan"}`)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				h.Update(time.Duration(latencies[i&1023]).Seconds())
				i++
			}
		})
	})
	b.Run("victoriametrics-summary", func(b *testing.B) {
		s := newVMSummary(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				s.Update(time.Duration(latencies[i&1023]).Seconds())
				i++
			}
		})
	})
}

// 6. Looking up an existing series with three tags among 1,000 series of the
// same name, then incrementing it: what code that does not keep its handles
// pays on every event. Each library is used the way its users tag:
//
//   - vitals: Registry.Counter(name, Tags), the map built once.
//   - gometrics: tags go into the name, so the name is concatenated on every
//     lookup (1 allocation), then GetOrRegisterCounter.
//   - tally: scope.Tagged(map).Counter(name), the map built once.
//   - prometheus: CounterVec.With(Labels), the map built once, and
//     CounterVec.WithLabelValues(values...).
//   - victoriametrics: Set.GetOrCreateCounter with the full series name
//     `name{a="x",...}` prebuilt once.

const lookupSeries = 1000

// lookupTags are the tag values of series i. The looked-up series is 42.
func lookupTags(i int) (method, route, code string) {
	return "GET", "/api/" + strconv.Itoa(i), "200"
}

func vitalsLookupRegistry() *metrics.Registry {
	r := metrics.NewRegistry()
	for i := range lookupSeries {
		m, route, code := lookupTags(i)
		r.Counter("requests", metrics.Tags{"method": m, "route": route, "code": code})
	}
	return r
}

// gometricsName is how go-metrics users put tags in a name.
func gometricsName(method, route, code string) string {
	return "requests.method." + method + ".route." + route + ".code." + code
}

func gometricsLookupRegistry() gometrics.Registry {
	r := gometrics.NewRegistry()
	for i := range lookupSeries {
		gometrics.GetOrRegisterCounter(gometricsName(lookupTags(i)), r)
	}
	return r
}

func tallyLookupScope(b *testing.B) tally.Scope {
	s := tallyScope(b)
	for i := range lookupSeries {
		m, route, code := lookupTags(i)
		s.Tagged(map[string]string{"method": m, "route": route, "code": code}).Counter("requests")
	}
	return s
}

func promLookupVec() *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "requests_total"}, []string{"method", "route", "code"})
	for i := range lookupSeries {
		v.WithLabelValues(lookupTags(i))
	}
	return v
}

func vmName(method, route, code string) string {
	return `requests_total{method="` + method + `",route="` + route + `",code="` + code + `"}`
}

func vmLookupSet() *vm.Set {
	s := vm.NewSet()
	for i := range lookupSeries {
		s.GetOrCreateCounter(vmName(lookupTags(i)))
	}
	return s
}

func BenchmarkLookup3Tags(b *testing.B) {
	method, route, code := lookupTags(42)
	b.Run("vitals", func(b *testing.B) {
		r := vitalsLookupRegistry()
		tags := metrics.Tags{"method": method, "route": route, "code": code}
		b.ReportAllocs()
		for b.Loop() {
			r.Counter("requests", tags).Inc(1)
		}
	})
	b.Run("gometrics", func(b *testing.B) {
		r := gometricsLookupRegistry()
		b.ReportAllocs()
		for b.Loop() {
			gometrics.GetOrRegisterCounter(gometricsName(method, route, code), r).Inc(1)
		}
	})
	b.Run("tally", func(b *testing.B) {
		s := tallyLookupScope(b)
		tags := map[string]string{"method": method, "route": route, "code": code}
		b.ReportAllocs()
		for b.Loop() {
			s.Tagged(tags).Counter("requests").Inc(1)
		}
	})
	b.Run("prometheus", func(b *testing.B) {
		v := promLookupVec()
		labels := prometheus.Labels{"method": method, "route": route, "code": code}
		b.ReportAllocs()
		for b.Loop() {
			v.With(labels).Inc()
		}
	})
	b.Run("prometheus-labelvalues", func(b *testing.B) {
		v := promLookupVec()
		b.ReportAllocs()
		for b.Loop() {
			v.WithLabelValues(method, route, code).Inc()
		}
	})
	b.Run("victoriametrics", func(b *testing.B) {
		s := vmLookupSet()
		name := vmName(method, route, code)
		b.ReportAllocs()
		for b.Loop() {
			s.GetOrCreateCounter(name).Inc()
		}
	})
}

func BenchmarkLookup3TagsParallel(b *testing.B) {
	method, route, code := lookupTags(42)
	b.Run("vitals", func(b *testing.B) {
		r := vitalsLookupRegistry()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			tags := metrics.Tags{"method": method, "route": route, "code": code}
			for pb.Next() {
				r.Counter("requests", tags).Inc(1)
			}
		})
	})
	b.Run("gometrics", func(b *testing.B) {
		r := gometricsLookupRegistry()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				gometrics.GetOrRegisterCounter(gometricsName(method, route, code), r).Inc(1)
			}
		})
	})
	b.Run("tally", func(b *testing.B) {
		s := tallyLookupScope(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			tags := map[string]string{"method": method, "route": route, "code": code}
			for pb.Next() {
				s.Tagged(tags).Counter("requests").Inc(1)
			}
		})
	})
	b.Run("prometheus", func(b *testing.B) {
		v := promLookupVec()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			labels := prometheus.Labels{"method": method, "route": route, "code": code}
			for pb.Next() {
				v.With(labels).Inc()
			}
		})
	})
	b.Run("prometheus-labelvalues", func(b *testing.B) {
		v := promLookupVec()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				v.WithLabelValues(method, route, code).Inc()
			}
		})
	})
	b.Run("victoriametrics", func(b *testing.B) {
		s := vmLookupSet()
		name := vmName(method, route, code)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				s.GetOrCreateCounter(name).Inc()
			}
		})
	})
}

// 7. Memory retained per latency histogram that received values spanning
// 1 µs..10 s in nanoseconds.
//
// Each iteration builds memHistograms histograms, feeds each the same
// memValues (log-uniform over 1e3..1e10, both ends included, so every bucket
// range of every library is touched), and reports the growth of HeapAlloc
// between a GC before and a GC after, divided by memHistograms, as
// B/histogram. The slice holding the histograms is allocated before the first
// reading, so it is not counted; ns/op is meaningless here.
//
// What is counted, per library:
//
//   - vitals: a Histogram handle alone (the zero value, exactly what the
//     registry creates for a new series), like the peers' standalone objects.
//   - vitals-registered: 1,000 histograms registered in one Registry under one
//     name with distinct tags {"shard": i}; this adds the registry's cost per
//     series (entry, sorted tags, tag strings, index slots).
//   - gometrics: NewHistogram(NewExpDecaySample(1028, 0.015)), unregistered; its
//     reservoir is preallocated for 1,028 samples.
//   - tally: scope.Histogram(name_i, buckets) with 1,000 distinct names in one
//     root scope, since tally has no standalone histogram: includes the scope's
//     map entry and slice slot; the bucket bounds are shared through the
//     scope's bucket cache.
//   - prometheus, prometheus-native: unregistered NewHistogram, measured after
//     one Write (a scrape), as in steady state: a classic histogram allocates
//     both its hot and cold counts at creation anyway, a native one fills the
//     cold side's bucket map at its first Write.
//   - victoriametrics: the zero Histogram (documented usable), unregistered.

const (
	memHistograms = 1000
	memValuesPer  = 2000
)

// memValues are log-uniform latencies over 1 µs..10 s in nanoseconds: the
// generator of metrics' distLatencyValues (seed 7).
var memValues = func() []int64 {
	r := rand.New(rand.NewPCG(7, 42))
	values := []int64{1e3, 1e10}
	for len(values) < memValuesPer {
		values = append(values, int64(math.Pow(10, 3+7*r.Float64())))
	}
	return values
}()

// heapPerObject returns the heap retained per object by the n objects that
// fill puts in held (len(held) == n), in bytes. Anything fill keeps must be
// reachable from held; fill must not keep state across calls, or the previous
// call's objects would be freed during the measurement.
func heapPerObject(n int, fill func(held []any)) float64 {
	held := make([]any, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fill(held)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(held)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

// benchMemory measures heapPerObject once per iteration and reports the last.
func benchMemory(b *testing.B, fill func(held []any)) {
	var per float64
	for b.Loop() {
		per = heapPerObject(memHistograms, fill)
	}
	b.ReportMetric(per, "B/histogram")
}

// each adapts a constructor of one object to fill.
func each(build func() any) func(held []any) {
	return func(held []any) {
		for i := range held {
			held[i] = build()
		}
	}
}

func BenchmarkHistogramMemory(b *testing.B) {
	floats := convert(memValues, func(v int64) float64 { return float64(v) })
	b.Run("vitals", func(b *testing.B) {
		benchMemory(b, each(func() any {
			h := new(metrics.Histogram)
			for _, v := range memValues {
				h.Update(v)
			}
			return h
		}))
	})
	b.Run("vitals-registered", func(b *testing.B) {
		benchMemory(b, func(held []any) {
			r := metrics.NewRegistry()
			for i := range held {
				h := r.Histogram("latency", metrics.Tags{"shard": strconv.Itoa(i)})
				for _, v := range memValues {
					h.Update(v)
				}
				held[i] = h
			}
			held[0] = r // keeps every series alive through the registry
		})
	})
	b.Run("gometrics", func(b *testing.B) {
		benchMemory(b, each(func() any {
			h := newGometricsHistogram()
			for _, v := range memValues {
				h.Update(v)
			}
			return h
		}))
	})
	b.Run("tally", func(b *testing.B) {
		benchMemory(b, func(held []any) {
			s, _ := tally.NewRootScope(tally.ScopeOptions{Reporter: tally.NullStatsReporter}, 0)
			for i := range held {
				h := s.Histogram("latency_"+strconv.Itoa(i), tallyBucketsNanos)
				for _, v := range floats {
					h.RecordValue(v)
				}
				held[i] = h
			}
			held[0] = s // keeps every histogram alive through the scope
		})
	})
	b.Run("prometheus", func(b *testing.B) {
		benchMemory(b, each(func() any {
			h := newPromHistogram(promBucketsNanos)
			for _, v := range floats {
				h.Observe(v)
			}
			if err := h.Write(new(dto.Metric)); err != nil {
				b.Fatal(err)
			}
			return h
		}))
	})
	b.Run("prometheus-native", func(b *testing.B) {
		benchMemory(b, each(func() any {
			h := newPromNativeHistogram()
			for _, v := range floats {
				h.Observe(v)
			}
			if err := h.Write(new(dto.Metric)); err != nil {
				b.Fatal(err)
			}
			return h
		}))
	})
	b.Run("victoriametrics", func(b *testing.B) {
		benchMemory(b, each(func() any {
			h := new(vm.Histogram)
			for _, v := range floats {
				h.Update(v)
			}
			return h
		}))
	})
}

// 8. Reading 100,000 counter series, each library's way of exporting
// everything. Setup (registering and incrementing the series) is outside the
// timed region. metrics.BenchmarkSnapshot100k does the same for vitals with a
// mix of all six kinds; here every library holds counters, tagged
// {shard="i"} (go-metrics: in the name).
//
//   - vitals: Registry.Snapshot().
//   - gometrics: Registry.Each with a type switch reading Count, what its own
//     reporters do (graphite.go).
//   - prometheus: Registry.Gather() over a registered CounterVec.
//   - victoriametrics: Set.WritePrometheus(io.Discard), text exposition.
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
		b.ReportAllocs()
		for b.Loop() {
			if n := len(r.Snapshot().Series); n != snapshotSeries {
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
}
