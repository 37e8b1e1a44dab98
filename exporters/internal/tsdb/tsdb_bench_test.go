package tsdb

import (
	"testing"
)

// BenchmarkFlatten flattens 10,000 mixed series (about 46,000 points) into
// a reused slice.
func BenchmarkFlatten(b *testing.B) {
	snap := mixedSnapshot(10000)
	dst, _ := Flatten(nil, snap, Options{})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		dst, _ = Flatten(dst[:0], snap, Options{})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(dst)), "ns/point")
}

func BenchmarkCount(b *testing.B) {
	snap := mixedSnapshot(10000)
	b.ReportAllocs()
	for b.Loop() {
		_ = Count(snap, Options{})
	}
}

func benchPoints(b *testing.B) []Point {
	points, _ := Flatten(nil, mixedSnapshot(1000), Options{})
	b.ReportAllocs()
	b.ResetTimer()
	return points
}

// BenchmarkAppendTelnet encodes one point per op, with three default tags
// and one or two of the series' own.
func BenchmarkAppendTelnet(b *testing.B) {
	points := benchPoints(b)
	buf := make([]byte, 0, 1024)
	i := 0
	for b.Loop() {
		buf = AppendTelnet(buf[:0], points[i%len(points)])
		i++
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkAppendJSON encodes one point per op.
func BenchmarkAppendJSON(b *testing.B) {
	points := benchPoints(b)
	buf := make([]byte, 0, 1024)
	i := 0
	for b.Loop() {
		buf = AppendJSON(buf[:0], points[i%len(points)])
		i++
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkSanitize(b *testing.B) {
	b.Run("valid", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = Sanitize("service.component42.query.latency")
		}
	})
	b.Run("invalid", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = Sanitize("service component42 query=latency")
		}
	})
}
