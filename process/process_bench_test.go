package process

import "testing"

// BenchmarkCollect reads every series once, as one snapshot does.
func BenchmarkCollect(b *testing.B) {
	srcs := sources()
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range srcs {
			if _, err := s.read(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkSource reads each series alone.
func BenchmarkSource(b *testing.B) {
	for _, s := range sources() {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.read(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
