package process

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkOpenFDs10000 counts the descriptors of a process that has 10,000
// files open.
func BenchmarkOpenFDs10000(b *testing.B) {
	const n = 10000
	if limit, err := fdLimit(); err != nil || limit < n+100 {
		b.Skipf("RLIMIT_NOFILE %v (%v) is below %d", limit, err, n+100)
	}
	path := filepath.Join(b.TempDir(), "f")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		b.Fatal(err)
	}
	for range n {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
	}
	b.ReportAllocs()
	for b.Loop() {
		if v, err := openFDs(); err != nil || v < n {
			b.Fatalf("%v open, %v", v, err)
		}
	}
}
