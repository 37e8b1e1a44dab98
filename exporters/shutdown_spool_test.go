package exporters

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// stuckSpoolWorker returns a worker with a spool in a temporary directory
// and n batches of 10 points queued, not running.
func stuckSpoolWorker(t *testing.T, n int) *worker {
	t.Helper()
	reg := metrics.NewRegistry()
	s, err := Config{Exporters: map[string]Exporter{"db": nopExporter{}}, SpoolDir: t.TempDir()}.settings(reg)
	if err != nil {
		t.Fatal(err)
	}
	s.queueSize = n
	w := newWorker("db", nopExporter{}, s, time.Now())
	w.register(reg)
	w.openSpool(reg)
	if !w.spool.usable() {
		t.Fatal(w.spool.health().Error)
	}
	t.Cleanup(func() { w.spool.close() })
	for i := range n {
		b := bigBatch(uint64(i+1), 10)
		w.enqueue(b.snap)
	}
	return w
}

// When Shutdown gives up on the worker while its stop spools the queue and
// the disk is stuck, Shutdown returns at once, without touching the disk,
// having counted as dropped every batch whose write had not begun; the one
// being written is counted when its write returns: every point once.
func TestShutdownGivesUpOnAStuckSpoolWrite(t *testing.T) {
	t.Parallel()
	const n = 5
	w := stuckSpoolWorker(t, n)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	w.spool.mu.Lock() // the disk is stuck
	closed := make(chan error, 1)
	go func() { closed <- w.close(ctx) }()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(time.Millisecond) { // polls (internal/testkit imports this package)
		w.mu.Lock()
		begun := w.closed && len(w.closing) == n-1
		w.mu.Unlock()
		if begun {
			break
		}
		if time.Now().After(deadline) {
			w.spool.mu.Unlock()
			t.Fatal("stop did not begin its first write")
		}
	}
	done := make(chan error, 1)
	go func() { done <- w.result(ctx) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		w.spool.mu.Unlock()
		t.Fatal("Shutdown waited for the stuck disk")
	}
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "40 points in 4 snapshots") {
		t.Errorf("Shutdown: %v; want the 4 snapshots not yet written counted", err)
	}
	if got := w.self.dropped.Count(); got != (n-1)*10 {
		t.Errorf("dropped %d points when Shutdown returned, want %d", got, (n-1)*10)
	}

	w.spool.mu.Unlock() // the disk comes back: the batch being written lands
	if err := <-closed; err != nil {
		t.Errorf("close: %v", err)
	}
	if h := w.spool.health(); h.Records != 1 || h.Points != 10 || w.self.dropped.Count() != (n-1)*10 {
		t.Errorf("spool %+v, dropped %d; want the batch being written on disk, the others dropped",
			h, w.self.dropped.Count())
	}
}

// When Shutdown gives up on a worker stuck in Export, it counts the queue
// as dropped itself, without writing to the spool from its goroutine.
func TestShutdownGivingUpDoesNoDiskIO(t *testing.T) {
	t.Parallel()
	const n = 3
	w := stuckSpoolWorker(t, n)
	w.mu.Lock()
	w.inflight = w.q.head() // being exported, forever
	w.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w.spool.mu.Lock() // any write would block
	defer w.spool.mu.Unlock()
	done := make(chan error, 1)
	go func() { done <- w.result(ctx) }()
	select {
	case err := <-done:
		if !strings.Contains(err.Error(), "30 points in 3 snapshots") {
			t.Errorf("Shutdown: %v; want the queue counted as dropped", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown tried to write to the spool")
	}
	if got := w.self.dropped.Count(); got != n*10 {
		t.Errorf("dropped %d, want %d", got, n*10)
	}
}
