package metrics

import (
	"math"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// The baseline the hot paths are held to: one uncontended atomic add.
func BenchmarkAtomicAdd(b *testing.B) {
	var n atomic.Int64
	b.ReportAllocs()
	for b.Loop() {
		n.Add(1)
	}
}

func BenchmarkAtomicAddParallel(b *testing.B) {
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n.Add(1)
		}
	})
}

func BenchmarkCounterInc(b *testing.B) {
	c := NewRegistry().Counter("jobs.done", Tags{"queue": "base"})
	b.ReportAllocs()
	for b.Loop() {
		c.Inc(1)
	}
}

func BenchmarkCounterIncParallel(b *testing.B) {
	c := NewRegistry().Counter("jobs.done", Tags{"queue": "base"})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Inc(1)
		}
	})
}

func BenchmarkGaugeUpdate(b *testing.B) {
	g := NewRegistry().Gauge("queue.depth", Tags{"queue": "base"})
	b.ReportAllocs()
	i := int64(0)
	for b.Loop() {
		i++
		g.Update(i)
	}
}

func BenchmarkGaugeUpdateParallel(b *testing.B) {
	g := NewRegistry().Gauge("queue.depth", Tags{"queue": "base"})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int64(0)
		for pb.Next() {
			i++
			g.Update(i)
		}
	})
}

func BenchmarkMeterMark(b *testing.B) {
	m := NewRegistry().Meter("flows", Tags{"queue": "base"})
	b.ReportAllocs()
	for b.Loop() {
		m.Mark(1)
	}
}

func BenchmarkMeterMarkParallel(b *testing.B) {
	m := NewRegistry().Meter("flows", Tags{"queue": "base"})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Mark(1)
		}
	})
}

// latencies are realistic timer inputs: log-uniform over 1 µs .. 10 s, in
// nanoseconds.
var latencies = func() []int64 {
	out := make([]int64, 1024)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range out {
		out[i] = int64(math.Pow(10, 3+7*rng.Float64()))
	}
	return out
}()

func BenchmarkHistogramUpdate(b *testing.B) {
	h := NewRegistry().Histogram("batch.size", Tags{"queue": "base"})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		h.Update(latencies[i&1023])
		i++
	}
}

func BenchmarkHistogramUpdateParallel(b *testing.B) {
	h := NewRegistry().Histogram("batch.size", Tags{"queue": "base"})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			h.Update(latencies[i&1023])
			i++
		}
	})
}

func BenchmarkTimerUpdate(b *testing.B) {
	t := NewRegistry().Timer("query.latency", Tags{"stage": "plan"})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		t.Update(time.Duration(latencies[i&1023]))
		i++
	}
}

func BenchmarkTimerUpdateParallel(b *testing.B) {
	t := NewRegistry().Timer("query.latency", Tags{"stage": "plan"})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			t.Update(time.Duration(latencies[i&1023]))
			i++
		}
	})
}

// BenchmarkLookup3Tags looks up an existing series with three tags among
// 1,000, as code that does not keep its handles would.
func BenchmarkLookup3Tags(b *testing.B) {
	r := NewRegistry()
	for i := range 1000 {
		r.Counter("requests", Tags{"method": "GET", "route": "/api/" + strconv.Itoa(i), "code": "200"})
	}
	tags := Tags{"method": "GET", "route": "/api/42", "code": "200"}
	b.ReportAllocs()
	for b.Loop() {
		r.Counter("requests", tags).Inc(1)
	}
}

func BenchmarkLookup3TagsParallel(b *testing.B) {
	r := NewRegistry()
	for i := range 1000 {
		r.Counter("requests", Tags{"method": "GET", "route": "/api/" + strconv.Itoa(i), "code": "200"})
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		tags := Tags{"method": "GET", "route": "/api/42", "code": "200"}
		for pb.Next() {
			r.Counter("requests", tags).Inc(1)
		}
	})
}

// BenchmarkFamilyWith3Tags is BenchmarkLookup3Tags through a Family, the
// values given as strings known only at the call.
func BenchmarkFamilyWith3Tags(b *testing.B) {
	r := NewRegistry()
	f := NewFamily[*Counter](r, "requests", "method", "route", "code")
	for i := range 1000 {
		f.With("GET", "/api/"+strconv.Itoa(i), "200")
	}
	method, route, code := "GET", "/api/42", "200"
	b.ReportAllocs()
	for b.Loop() {
		f.With(method, route, code).Inc(1)
	}
}

// BenchmarkSnapshot100k snapshots 100,000 series of every kind; before each
// snapshot (outside the timed region) every series is updated again, so
// that every histogram and timer has a full interval to export.
func BenchmarkSnapshot100k(b *testing.B) {
	r := NewRegistry(WithMaxSeries(200000))
	var update []func(i int)
	for i := range 100000 {
		tags := Tags{"shard": strconv.Itoa(i)}
		switch i % 6 {
		case 0:
			c := r.Counter("c", tags)
			update = append(update, func(j int) { c.Inc(int64(j)) })
		case 1:
			g := r.Gauge("g", tags)
			update = append(update, func(j int) { g.Update(int64(j)) })
		case 2:
			g := r.GaugeFloat64("gf", tags)
			update = append(update, func(j int) { g.Update(float64(j)) })
		case 3:
			m := r.Meter("m", tags)
			update = append(update, func(j int) { m.Mark(int64(j)) })
		case 4:
			h := r.Histogram("h", tags)
			update = append(update, func(j int) {
				for k := range 20 {
					h.Update(latencies[(i+j+k)&1023])
				}
			})
		case 5:
			t := r.Timer("t", tags)
			update = append(update, func(j int) {
				for k := range 20 {
					t.Update(time.Duration(latencies[(i+j+k)&1023]))
				}
			})
		}
	}
	b.ReportAllocs()
	reader, err := r.NewIntervalReader()
	if err != nil {
		b.Fatal(err)
	}
	defer reader.Close()
	j := 0
	for b.Loop() {
		b.StopTimer()
		for _, u := range update {
			u(j)
		}
		j++
		b.StartTimer()
		if n := len(reader.EndInterval().Series); n != 100000 {
			b.Fatalf("snapshot has %d series", n)
		}
	}
}
