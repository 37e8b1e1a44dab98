package metrics

import (
	"sync/atomic"
	"testing"
)

func BenchmarkDistributionRecord(b *testing.B) {
	// The floor of record on this machine: its two atomic adds alone (a
	// LOCK XADD costs about 8-10 ns on a virtualised Xeon).
	b.Run("floor-two-atomic-adds", func(b *testing.B) {
		var c atomic.Uint32
		var s atomic.Int64
		b.ReportAllocs()
		for i := range b.N {
			c.Add(1)
			s.Add(int64(i))
		}
	})
	b.Run("constant", func(b *testing.B) {
		var d distribution
		d.record(123456)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			d.record(123456)
		}
	})
	b.Run("varying", func(b *testing.B) {
		var d distribution
		values := distLatencyValues(4096, 1)
		for _, v := range values {
			d.record(v)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			d.record(values[i&4095])
		}
	})
}

func BenchmarkDistributionRecordParallel(b *testing.B) {
	var d distribution
	values := distLatencyValues(4096, 1)
	for _, v := range values {
		d.record(v)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			d.record(values[i&4095])
			i++
		}
	})
}

// BenchmarkDistributionCollect reads a full 1µs..10s histogram (every one of
// its 25 octaves allocated, one value per bucket).
func BenchmarkDistributionCollect(b *testing.B) {
	var fill []int64
	for v := int64(1e3); v <= 1e10; v = v + v/100 + 1 {
		fill = append(fill, v)
	}
	var d distribution
	for _, v := range fill {
		d.record(v)
	}
	buckets := len(d.peek().Buckets)
	b.Run("peek", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			_ = d.peek()
		}
		b.ReportMetric(float64(buckets), "buckets")
	})
	b.Run("collect", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			b.StopTimer()
			for _, v := range fill {
				d.record(v)
			}
			b.StartTimer()
			_ = d.collect()
		}
		b.ReportMetric(float64(buckets), "buckets")
	})
}

// BenchmarkDistributionMemory reports the heap retained by a latency
// histogram that received values spanning 1 µs..10 s in nanoseconds.
func BenchmarkDistributionMemory(b *testing.B) {
	values := distLatencyValues(500, 7)
	var per float64
	for range b.N {
		per = distHeapPerHistogram(4000, values)
	}
	b.ReportMetric(per, "bytes/histogram")
}
