package spool

import (
	"fmt"
	"testing"
)

// BenchmarkAppend measures Append as the exporters use it, an fsync per
// record, and reports the bytes a snapshot takes on disk.
func BenchmarkAppend(b *testing.B) {
	for _, n := range []int{200, 10_000} {
		b.Run(fmt.Sprintf("series=%d", n), func(b *testing.B) {
			snap := snapshotOf(n)
			s := mustOpen(b, b.TempDir(), 1<<30, nil)
			defer s.Close()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				snap.Seq = uint64(i + 1)
				if _, err := s.Append(Record{Snap: snap, Points: n}); err != nil {
					b.Fatal(err)
				}
			}
			st := s.Stats()
			b.ReportMetric(float64(st.Bytes)/float64(st.Records), "disk-B/snapshot")
		})
	}
}

// BenchmarkEncode is Append's CPU part: the encoding, without the disk.
func BenchmarkEncode(b *testing.B) {
	for _, n := range []int{200, 10_000} {
		b.Run(fmt.Sprintf("series=%d", n), func(b *testing.B) {
			snap := snapshotOf(n)
			var e encoder
			b.ReportAllocs()
			for b.Loop() {
				e.encode(headerSize, &snap)
			}
		})
	}
}

// BenchmarkReplay is the cost of taking a record back: Peek (read, check,
// decode) and Pop (the consumed position, fsynced).
func BenchmarkReplay(b *testing.B) {
	for _, n := range []int{200, 10_000} {
		b.Run(fmt.Sprintf("series=%d", n), func(b *testing.B) {
			snap := snapshotOf(n)
			s := mustOpen(b, b.TempDir(), 1<<30, nil)
			defer s.Close()
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				if _, err := s.Append(Record{Snap: snap, Points: n}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, _, err := s.Peek(); err != nil {
					b.Fatal(err)
				}
				if err := s.Pop(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
