package bench

import (
	"context"
	"strconv"
	"testing"

	vm "github.com/VictoriaMetrics/metrics"
	"github.com/prometheus/client_golang/prometheus"
	gometrics "github.com/rcrowley/go-metrics"
	"github.com/uber-go/tally/v4"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/vitals-go/vitals/metrics"
)

// Looking up an existing series with three tags among 1,000 series of the
// same name, then incrementing it: what a request handler pays when the tag
// values (method, route, code) are only known at the call. The values are
// held in variables, and each library does on every call what its users must
// do with them:
//
//   - vitals: a Family with the fixed keys method, route, code, created once:
//     Family.With(method, route, code).
//   - vitals-tags: Registry.Counter(name, metrics.Tags{...}), the map literal
//     built on every call.
//   - gometrics: tags go into the name, so the name is concatenated on every
//     call, then GetOrRegisterCounter.
//   - tally: scope.Tagged(map[string]string{...}).Counter(name), the map
//     literal built on every call.
//   - prometheus: CounterVec.With(prometheus.Labels{...}), the map literal
//     built on every call; prometheus-labelvalues:
//     CounterVec.WithLabelValues(method, route, code).
//   - victoriametrics: Set.GetOrCreateCounter(`name{a="x",...}`) with the
//     series name concatenated on every call.
//   - otel: Int64Counter.Add(ctx, 1, metric.WithAttributes(attribute.String
//     (...) x3)): OpenTelemetry has no handle per series, every Add is a
//     lookup, and with values known only at the call the attribute set must
//     be built per call.
//
// References, not peers: victoriametrics-prebuilt looks up a series name
// built in advance, which is a handle by another name (it shows
// VictoriaMetrics' map lookup alone); vitals-tags is vitals' other API.

const lookupSeries = 1000

// lookupTags are the tag values of series i.
func lookupTags(i int) (method, route, code string) {
	return "GET", "/api/" + strconv.Itoa(i), "200"
}

// lookupRequest holds the tag values of the looked-up series, 42, in a
// variable, as a request handler has them: nothing can fold them into
// constants or a prebuilt key.
var lookupRequest = func() [3]string {
	method, route, code := lookupTags(42)
	return [3]string{method, route, code}
}()

func vitalsLookupRegistry() *metrics.Registry {
	r := metrics.NewRegistry()
	for i := range lookupSeries {
		m, route, code := lookupTags(i)
		r.Counter("requests", metrics.Tags{"method": m, "route": route, "code": code})
	}
	return r
}

func vitalsLookupFamily() *metrics.Family[*metrics.Counter] {
	return metrics.NewFamily[*metrics.Counter](vitalsLookupRegistry(), "requests", "method", "route", "code")
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

// vmName is how VictoriaMetrics users name a tagged series.
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

func otelLookupCounter(b *testing.B) metric.Int64Counter {
	meter, _ := otelMeter(b)
	c := must(meter.Int64Counter("requests"))
	ctx := context.Background()
	for i := range lookupSeries {
		m, route, code := lookupTags(i)
		c.Add(ctx, 0, metric.WithAttributes(attribute.String("method", m), attribute.String("route", route), attribute.String("code", code)))
	}
	return c
}

func BenchmarkLookup3Tags(b *testing.B) {
	b.Run("vitals", func(b *testing.B) {
		f := vitalsLookupFamily()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			method, route, code := lookupRequest[0], lookupRequest[1], lookupRequest[2]
			f.With(method, route, code).Inc(1)
		}
	})
	b.Run("vitals-tags", func(b *testing.B) {
		r := vitalsLookupRegistry()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			method, route, code := lookupRequest[0], lookupRequest[1], lookupRequest[2]
			r.Counter("requests", metrics.Tags{"method": method, "route": route, "code": code}).Inc(1)
		}
	})
	b.Run("gometrics", func(b *testing.B) {
		r := gometricsLookupRegistry()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			method, route, code := lookupRequest[0], lookupRequest[1], lookupRequest[2]
			gometrics.GetOrRegisterCounter(gometricsName(method, route, code), r).Inc(1)
		}
	})
	b.Run("tally", func(b *testing.B) {
		s := tallyLookupScope(b)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			method, route, code := lookupRequest[0], lookupRequest[1], lookupRequest[2]
			s.Tagged(map[string]string{"method": method, "route": route, "code": code}).Counter("requests").Inc(1)
		}
	})
	b.Run("prometheus", func(b *testing.B) {
		v := promLookupVec()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			method, route, code := lookupRequest[0], lookupRequest[1], lookupRequest[2]
			v.With(prometheus.Labels{"method": method, "route": route, "code": code}).Inc()
		}
	})
	b.Run("prometheus-labelvalues", func(b *testing.B) {
		v := promLookupVec()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			method, route, code := lookupRequest[0], lookupRequest[1], lookupRequest[2]
			v.WithLabelValues(method, route, code).Inc()
		}
	})
	b.Run("victoriametrics", func(b *testing.B) {
		s := vmLookupSet()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			method, route, code := lookupRequest[0], lookupRequest[1], lookupRequest[2]
			s.GetOrCreateCounter(vmName(method, route, code)).Inc()
		}
	})
	b.Run("victoriametrics-prebuilt", func(b *testing.B) {
		s := vmLookupSet()
		name := vmName(lookupRequest[0], lookupRequest[1], lookupRequest[2])
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			s.GetOrCreateCounter(name).Inc()
		}
	})
	b.Run("otel", func(b *testing.B) {
		c := otelLookupCounter(b)
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			method, route, code := lookupRequest[0], lookupRequest[1], lookupRequest[2]
			c.Add(ctx, 1, metric.WithAttributes(attribute.String("method", method), attribute.String("route", route), attribute.String("code", code)))
		}
	})
}

func BenchmarkLookup3TagsParallel(b *testing.B) {
	b.Run("vitals", func(b *testing.B) {
		f := vitalsLookupFamily()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				method, route, code := lookupRequest[0], lookupRequest[1], lookupRequest[2]
				f.With(method, route, code).Inc(1)
			}
		})
	})
	b.Run("vitals-tags", func(b *testing.B) {
		r := vitalsLookupRegistry()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				method, route, code := lookupRequest[0], lookupRequest[1], lookupRequest[2]
				r.Counter("requests", metrics.Tags{"method": method, "route": route, "code": code}).Inc(1)
			}
		})
	})
	b.Run("gometrics", func(b *testing.B) {
		r := gometricsLookupRegistry()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				method, route, code := lookupRequest[0], lookupRequest[1], lookupRequest[2]
				gometrics.GetOrRegisterCounter(gometricsName(method, route, code), r).Inc(1)
			}
		})
	})
	b.Run("tally", func(b *testing.B) {
		s := tallyLookupScope(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				method, route, code := lookupRequest[0], lookupRequest[1], lookupRequest[2]
				s.Tagged(map[string]string{"method": method, "route": route, "code": code}).Counter("requests").Inc(1)
			}
		})
	})
	b.Run("prometheus", func(b *testing.B) {
		v := promLookupVec()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				method, route, code := lookupRequest[0], lookupRequest[1], lookupRequest[2]
				v.With(prometheus.Labels{"method": method, "route": route, "code": code}).Inc()
			}
		})
	})
	b.Run("prometheus-labelvalues", func(b *testing.B) {
		v := promLookupVec()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				method, route, code := lookupRequest[0], lookupRequest[1], lookupRequest[2]
				v.WithLabelValues(method, route, code).Inc()
			}
		})
	})
	b.Run("victoriametrics", func(b *testing.B) {
		s := vmLookupSet()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				method, route, code := lookupRequest[0], lookupRequest[1], lookupRequest[2]
				s.GetOrCreateCounter(vmName(method, route, code)).Inc()
			}
		})
	})
	b.Run("victoriametrics-prebuilt", func(b *testing.B) {
		s := vmLookupSet()
		name := vmName(lookupRequest[0], lookupRequest[1], lookupRequest[2])
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				s.GetOrCreateCounter(name).Inc()
			}
		})
	})
	b.Run("otel", func(b *testing.B) {
		c := otelLookupCounter(b)
		ctx := context.Background()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				method, route, code := lookupRequest[0], lookupRequest[1], lookupRequest[2]
				c.Add(ctx, 1, metric.WithAttributes(attribute.String("method", method), attribute.String("route", route), attribute.String("code", code)))
			}
		})
	})
}
