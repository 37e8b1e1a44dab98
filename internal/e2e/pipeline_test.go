package e2e_test

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/metrics"
)

// ledger wraps a pipeline's exporter. It remembers every snapshot the
// Reporter took, with its points as the Reporter counted them when it queued
// it, and which snapshots the backend acknowledged. It can also hold Export
// back (pause, resume), so that a test injects a fault between two exports
// rather than in the middle of one.
type ledger struct {
	exp     exporters.Exporter
	counter exporters.PointCounter
	turn    chan struct{} // held by Export, and by pause
	calls   atomic.Int64  // Export calls that returned

	mu    sync.Mutex
	taken map[int64]int  // snapshot time in Unix ms -> points
	acked map[int64]bool // snapshot times Export delivered
	// seen holds the exact times (Unix ns) counted in taken: two snapshots
	// can fall in one millisecond (Shutdown's final one just after a
	// tick), and the backends' answers are read by millisecond, so their
	// points add up there.
	seen map[int64]bool
}

func newLedger(t *testing.T, exp exporters.Exporter) *ledger {
	t.Helper()
	counter, ok := exp.(exporters.PointCounter)
	if !ok {
		t.Fatalf("%T does not count points", exp)
	}
	return &ledger{exp: exp, counter: counter, turn: make(chan struct{}, 1), taken: map[int64]int{}, acked: map[int64]bool{}, seen: map[int64]bool{}}
}

func (l *ledger) Points(snap metrics.Snapshot) int {
	n := l.counter.Points(snap)
	l.mu.Lock()
	if !l.seen[snap.Time.UnixNano()] {
		l.seen[snap.Time.UnixNano()] = true
		l.taken[snap.Time.UnixMilli()] += n
	}
	l.mu.Unlock()
	return n
}

func (l *ledger) Export(ctx context.Context, snap metrics.Snapshot) error {
	select {
	case l.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-l.turn }()
	err := l.exp.Export(ctx, snap)
	if err == nil {
		l.mu.Lock()
		l.acked[snap.Time.UnixMilli()] = true
		l.mu.Unlock()
	}
	l.calls.Add(1)
	return err
}

func (l *ledger) Shutdown(ctx context.Context) error { return l.exp.Shutdown(ctx) }

// pause waits for the Export in progress, if any, to return, and holds
// the next one back until resume.
func (l *ledger) pause()  { l.turn <- struct{}{} }
func (l *ledger) resume() { <-l.turn }

// snapshots returns the snapshots taken so far and those delivered.
func (l *ledger) snapshots() (taken map[int64]int, acked map[int64]bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	taken, acked = make(map[int64]int, len(l.taken)), make(map[int64]bool, len(l.acked))
	for ts, n := range l.taken {
		taken[ts] = n
	}
	for ts := range l.acked {
		acked[ts] = true
	}
	return taken, acked
}

// countTaken returns how many snapshots were taken so far.
func (l *ledger) countTaken() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.taken)
}

// pipeline is a registry exported by its own Reporter to one exporter.
type pipeline struct {
	name      string // also the exporter's name in the Reporter
	queueSize int
	reg       *metrics.Registry
	jobs      *metrics.Counter // updated by the hot loop; the last value stored must be its final count
	latency   *metrics.Timer
	fill      []*metrics.Counter
	snapBytes int64 // heap held by one snapshot of reg
	led       *ledger
	rep       *exporters.Reporter
}

// newPipeline makes a registry of the given number of series: jobs,
// latency and counters to fill, tagged host=e2e.
func newPipeline(t *testing.T, name string, series, queueSize int) *pipeline {
	t.Helper()
	p := &pipeline{name: name, queueSize: queueSize, reg: metrics.NewRegistry(metrics.WithMaxSeries(series + 100))}
	if err := p.reg.SetDefaultTags(metrics.Tags{"host": "e2e"}); err != nil {
		t.Fatal(err)
	}
	p.jobs = p.reg.Counter("jobs", metrics.Tags{"queue": "base"})
	p.latency = p.reg.Timer("latency", nil)
	for i := range series - 2 {
		p.fill = append(p.fill, p.reg.Counter("fill", metrics.Tags{"i": strconv.Itoa(i)}))
	}
	for i := range 1000 {
		p.latency.Update(time.Duration(i) * time.Microsecond)
	}
	p.snapBytes = snapshotBytes(p.reg)
	return p
}

// start starts exporting the pipeline through exp.
func (p *pipeline) start(t *testing.T, exp exporters.Exporter, cfg exporters.Config) {
	t.Helper()
	p.led = newLedger(t, exp)
	cfg.Exporters = map[string]exporters.Exporter{p.name: p.led}
	cfg.QueueSize = p.queueSize
	rep, err := exporters.Start(p.reg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.rep = rep
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		rep.Shutdown(ctx) //nolint:errcheck // already shut down unless the test failed
	})
}

func (p *pipeline) health() exporters.ExporterHealth { return p.rep.Health()[0] }

// shutdown stops the Reporter and returns the exporter's final health.
func (p *pipeline) shutdown(t *testing.T) exporters.ExporterHealth {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := p.rep.Shutdown(ctx); err != nil {
		t.Fatalf("%s: Shutdown: %v", p.name, err)
	}
	h := p.health()
	// The self-metric says the same as Health.
	if n := p.reg.Counter("vitals.exporter.dropped", metrics.Tags{"exporter": p.name}).Count(); n != h.Dropped {
		t.Fatalf("%s: the self-metric vitals.exporter.dropped counts %d, Health %d", p.name, n, h.Dropped)
	}
	return h
}

// snapshotBytes returns the heap held by one snapshot of reg, measured over
// a few, without starting a new interval.
func snapshotBytes(reg *metrics.Registry) int64 {
	const n = 4
	before := heapAfterGC()
	snaps := make([]metrics.Snapshot, n)
	for i := range snaps {
		snaps[i] = reg.Peek()
	}
	after := heapAfterGC()
	runtime.KeepAlive(snaps)
	return max((after-before)/n, 1)
}

// heapAfterGC returns the bytes of live heap objects after a collection.
func heapAfterGC() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// hotLoop is the application: one goroutine updating the pipelines'
// metrics in bursts, a millisecond apart, recording the longest time an
// iteration took.
type hotLoop struct {
	stop, done chan struct{}
	updates    atomic.Int64
	maxGap     atomic.Int64 // nanoseconds, since the last window
}

func startHotLoop(t *testing.T, pipes ...*pipeline) *hotLoop {
	h := &hotLoop{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		last, k := time.Now(), 0
		for {
			select {
			case <-h.stop:
				return
			default:
			}
			for _, p := range pipes {
				for range 50 {
					p.jobs.Inc(1)
					p.latency.Update(time.Duration(k%5000) * time.Microsecond)
					p.fill[k%len(p.fill)].Inc(1)
					k++
				}
			}
			h.updates.Add(int64(150 * len(pipes)))
			now := time.Now()
			if gap := int64(now.Sub(last)); gap > h.maxGap.Load() {
				h.maxGap.Store(gap)
			}
			last = now
			time.Sleep(time.Millisecond)
		}
	}()
	t.Cleanup(h.end)
	return h
}

// window returns the updates made and the longest iteration since the
// previous call.
func (h *hotLoop) window() (updates int64, maxGap time.Duration) {
	return h.updates.Swap(0), time.Duration(h.maxGap.Swap(0))
}

// end stops the loop and waits for it.
func (h *hotLoop) end() {
	select {
	case <-h.stop:
	default:
		close(h.stop)
	}
	<-h.done
}
