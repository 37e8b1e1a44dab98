package metrics

import (
	"runtime"
	"testing"
)

func TestRuntimeMetrics(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	r.EnableRuntimeMetrics()
	r.EnableRuntimeMetrics() // twice is once
	runtime.GC()
	runtime.GC()
	snap := r.Snapshot()
	if len(snap.Series) != 6 {
		t.Fatalf("%d runtime series, want 6", len(snap.Series))
	}
	if s := seriesByName(t, snap, "go.goroutines"); s.Value < 1 {
		t.Fatalf("goroutines %+v", s)
	}
	if s := seriesByName(t, snap, "go.heap.objects.bytes"); s.Value <= 0 {
		t.Fatalf("heap %+v", s)
	}
	if s := seriesByName(t, snap, "go.gc.cycles"); s.Count < 2 {
		t.Fatalf("GC cycles since enabling: %+v", s)
	}
	if s := seriesByName(t, snap, "go.gc.pause"); s.Kind != KindTimer || s.Summary.Count < 2 || s.Summary.Max <= 0 {
		t.Fatalf("GC pauses since enabling: %+v", s.Summary)
	}
}
