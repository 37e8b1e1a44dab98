package metrics_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/vitals-go/vitals/metrics"
)

// TestIntervalReaderOnePerRegistry: a registry has at most one open
// IntervalReader; Close releases it, and a second Close changes nothing.
func TestIntervalReaderOnePerRegistry(t *testing.T) {
	r := metrics.NewRegistry()
	first, err := r.NewIntervalReader()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.NewIntervalReader(); !errors.Is(err, metrics.ErrReaderOpen) {
		t.Fatalf("second reader: %v, want ErrReaderOpen", err)
	}
	if _, err := metrics.NewRegistry().NewIntervalReader(); err != nil {
		t.Fatalf("another registry's reader: %v", err)
	}
	first.Close()
	second, err := r.NewIntervalReader()
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	first.Close() // must not release second's hold
	if _, err := r.NewIntervalReader(); !errors.Is(err, metrics.ErrReaderOpen) {
		t.Fatalf("a closed reader's second Close released the open one: %v", err)
	}
	second.Close()
}

// TestIntervalReaderConcurrentOpen: of readers opened at once, exactly one
// is given.
func TestIntervalReaderConcurrentOpen(t *testing.T) {
	r := metrics.NewRegistry()
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := r.NewIntervalReader()
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	opened := 0
	for err := range errs {
		switch {
		case err == nil:
			opened++
		case !errors.Is(err, metrics.ErrReaderOpen):
			t.Fatal(err)
		}
	}
	if opened != 1 {
		t.Fatalf("%d readers opened at once, want 1", opened)
	}
}

// TestIntervalReaderSeq: EndInterval numbers the registry's intervals 1, 2,
// 3, ..., across readers; Peek is 0 and does not count; a closed reader
// reads nothing.
func TestIntervalReaderSeq(t *testing.T) {
	r := metrics.NewRegistry()
	h := r.Histogram("h", nil)
	ir, err := r.NewIntervalReader()
	if err != nil {
		t.Fatal(err)
	}
	for want := uint64(1); want <= 3; want++ {
		h.Update(int64(want))
		if p := r.Peek(); p.Seq != 0 || p.Series[0].Summary.Count != 1 {
			t.Fatalf("Peek: Seq %d, %d values; want 0 and 1", p.Seq, p.Series[0].Summary.Count)
		}
		if snap := ir.EndInterval(); snap.Seq != want || snap.Series[0].Summary.Count != 1 {
			t.Fatalf("EndInterval: Seq %d, %d values; want %d and 1", snap.Seq, snap.Series[0].Summary.Count, want)
		}
	}
	ir.Close()
	h.Update(9)
	if snap := ir.EndInterval(); snap.Seq != 0 || snap.Series != nil || !snap.Time.IsZero() {
		t.Fatalf("EndInterval after Close = %+v, want the zero Snapshot", snap)
	}
	next, err := r.NewIntervalReader()
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	if snap := next.EndInterval(); snap.Seq != 4 || snap.Series[0].Summary.Max != 9 {
		t.Fatalf("the next reader's first interval: Seq %d, max %d; want 4 and 9 (left by the closed reader)",
			snap.Seq, snap.Series[0].Summary.Max)
	}
}
