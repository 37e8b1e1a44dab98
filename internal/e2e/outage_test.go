package e2e_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/internal/testkit"
)

// stallLimit is the longest an iteration of the hot loop may take during an
// outage. A hot path that waited for an export would take at least
// exportTimeout (2 s), or the whole outage; forced collections and the race
// detector, with the servers on the same 2 cores, make iterations of up to
// about 0.4 s.
const stallLimit = time.Second

// An outage is a fault of a real backend, from the start of a run or in the
// middle of it, and how it ends.
type outage struct {
	name     string
	via      string        // "victoriametrics", "proxy" (a stallProxy in front of VictoriaMetrics) or "postgres"
	atStart  bool          // the backend fails before the pipelines start
	interval time.Duration // the Reporters' interval
	lasts    time.Duration // how long the fault lasts; if zero, until snaps snapshots were taken during it
	snaps    int
	begin    func(e *outageEnv)
	end      func(e *outageEnv)
}

// outageEnv is what an outage acts on.
type outageEnv struct {
	t     *testing.T
	vm    *testenv.VMServer
	pg    *testenv.PostgresServer
	proxy *stallProxy
	pipes []*pipeline
	lost  map[*pipeline]map[int64]bool // snapshots a crashed backend had acknowledged
}

func (e *outageEnv) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

// betweenExports runs f while no pipeline is exporting, so that the fault
// starts or ends between two exports rather than in the middle of one. A
// snapshot cut in the middle would be partly stored by VictoriaMetrics:
// pushed out of the queue later, it counts as dropped in whole, and after
// a crash the server may have lost the part it acknowledged, so the test
// could not tell what exactly must be missing. (PostgreSQL needs none of
// this: it stores a snapshot in one transaction or not at all.)
func (e *outageEnv) betweenExports(f func()) {
	for _, p := range e.pipes {
		p.led.pause()
	}
	defer func() {
		for _, p := range e.pipes {
			p.led.resume()
		}
	}()
	f()
}

// crash notes the snapshots the backend acknowledged so far: a crash may
// lose those it had not written to disk yet, which no exporter can help.
func (e *outageEnv) crash() {
	for _, p := range e.pipes {
		_, acked := p.led.snapshots()
		e.lost[p] = acked
	}
}

// TestOutage runs two pipelines through a fault of a real backend while the
// application keeps updating metrics: "within", whose queue holds every
// snapshot taken during the fault, and "past", with 10,000 series and a
// queue of 3 snapshots. Each time it checks that
//
//   - the hot path never blocks: the application goroutine makes progress
//     every second and no iteration takes a second or more (exports time
//     out after 2 s);
//   - the heap (after GC) grows by no more than the queues can hold, a
//     bound that an unbounded queue would pass several times over, and
//     comes back once the queues are drained;
//   - after recovery, every snapshot within capacity is stored exactly
//     once, and past capacity the points missing from the server are
//     exactly those counted as dropped, by Health and the self-metric;
//   - no goroutine is left behind after Shutdown.
func TestOutage(t *testing.T) {
	for _, o := range []outage{
		{
			name: "victoriametrics-down-at-start", via: "victoriametrics", atStart: true,
			interval: 250 * time.Millisecond, snaps: 20,
			begin: func(e *outageEnv) { e.must(e.vm.Stop()) },
			end:   func(e *outageEnv) { e.must(e.vm.Start()) },
		},
		{
			name: "victoriametrics-killed", via: "victoriametrics",
			interval: 250 * time.Millisecond, snaps: 20,
			begin: func(e *outageEnv) { e.betweenExports(func() { e.crash(); e.must(e.vm.Kill()) }) },
			end:   func(e *outageEnv) { e.must(e.vm.Start()) },
		},
		{
			name: "victoriametrics-hangs", via: "proxy",
			interval: 250 * time.Millisecond, snaps: 20,
			begin: func(e *outageEnv) { e.betweenExports(e.proxy.stall) },
			end:   func(e *outageEnv) { e.betweenExports(e.proxy.resume) },
		},
		{
			name: "postgres-stopped-30s", via: "postgres",
			interval: time.Second, lasts: 30 * time.Second,
			begin: func(e *outageEnv) { e.must(e.pg.Stop()) },
			end:   func(e *outageEnv) { e.must(e.pg.Start()) },
		},
	} {
		t.Run(o.name, func(t *testing.T) { testOutage(t, o) })
	}
}

func testOutage(t *testing.T, o outage) {
	e := &outageEnv{t: t, lost: map[*pipeline]map[int64]bool{}}
	var b backend
	switch o.via {
	case "victoriametrics", "proxy":
		e.vm = testenv.VictoriaMetrics(t)
		t.Cleanup(func() {
			if err := e.vm.Start(); err != nil {
				t.Errorf("restarting VictoriaMetrics: %v", err)
			}
		})
		b = vmBackend{vm: e.vm, url: e.vm.OpenTSDBHTTPURL}
		if o.via == "proxy" {
			e.proxy = newStallProxy(t, e.vm.OpenTSDBHTTPURL[len("http://"):])
			b = vmBackend{vm: e.vm, url: "http://" + e.proxy.addr()}
		}
	case "postgres":
		e.pg = testenv.Postgres(t)
		t.Cleanup(func() {
			if err := e.pg.Start(); err != nil {
				t.Errorf("restarting PostgreSQL: %v", err)
			}
		})
		b = pgBackend{pg: e.pg}
	}

	// The queue of "within" holds the whole outage; that of "past" 3
	// snapshots of 10,000 series.
	faultSnaps := o.snaps
	if o.lasts > 0 {
		faultSnaps = int(o.lasts / o.interval)
	}
	within := newPipeline(t, "within", 20, 2*faultSnaps+10)
	past := newPipeline(t, "past", 10000, 3)
	e.pipes = []*pipeline{within, past}
	goroutines := runtime.NumGoroutine()

	log := testLogger(t)
	if o.atStart {
		o.begin(e)
	}
	ns := map[*pipeline]string{}
	for _, p := range e.pipes {
		ns[p] = fmt.Sprintf("e2e_%s_%d", p.name, time.Now().UnixNano())
		p.start(t, b.exporter(t, ns[p], log), exporters.Config{
			Interval:   o.interval,
			Timeout:    exportTimeout,
			MinBackoff: 50 * time.Millisecond,
			MaxBackoff: 300 * time.Millisecond,
			Logger:     log,
		})
	}
	hot := startHotLoop(t, e.pipes...)

	// Warm-up: every exporter has sent (or, with the backend down, tried)
	// twice, so its buffers are allocated.
	testkit.Poll(t, 20*time.Second, "two exports per pipeline", func() bool {
		return within.led.calls.Load() >= 2 && past.led.calls.Load() >= 2
	})
	for _, p := range e.pipes {
		if h := p.health(); !o.atStart && (h.Exported == 0 || h.Dropped != 0) {
			t.Fatalf("%s: the pipeline does not work before the fault: %+v", p.name, h)
		}
	}
	heapBefore := heapAfterGC()
	takenBefore := past.led.countTaken()
	start := time.Now()
	hot.window()
	if !o.atStart {
		o.begin(e)
	}

	// Hold the fault, sampling the hot loop and the heap every second.
	sampled := start
	var heapPeak int64
	var updates int64
	var longest time.Duration
	sample := func() {
		n, gap := hot.window()
		if n == 0 {
			t.Fatalf("the hot path made no progress for %v during the outage", time.Since(sampled).Round(time.Millisecond))
		}
		if gap >= stallLimit {
			t.Fatalf("an iteration of the hot path took %v during the outage", gap)
		}
		updates += n
		longest = max(longest, gap)
		heapPeak = max(heapPeak, heapAfterGC())
	}
	over := func() bool {
		if o.lasts > 0 {
			return time.Since(start) >= o.lasts
		}
		return past.led.countTaken()-takenBefore >= o.snaps
	}
	for !over() {
		if time.Since(start) > 45*time.Second {
			t.Fatalf("the outage did not end: %d snapshots taken", past.led.countTaken()-takenBefore)
		}
		time.Sleep(50 * time.Millisecond)
		if time.Since(sampled) >= time.Second {
			sample()
			sampled = time.Now()
		}
	}
	sample() // the queues are at their fullest
	outageFor, faultTaken := time.Since(start), past.led.countTaken()-takenBefore
	for _, p := range e.pipes {
		if h := p.health(); h.LastError == "" || h.Queued == 0 || (o.atStart && h.Exported != 0) {
			t.Fatalf("%s: the outage went unnoticed: %+v", p.name, h)
		}
	}
	if h := past.health(); h.Queued != past.queueSize || h.Dropped == 0 {
		t.Fatalf("past: the queue should be full and dropping: %+v", h)
	}

	o.end(e)
	recovered := time.Now()
	testkit.Poll(t, 20*time.Second, "the queues to drain after the backend came back", func() bool {
		for _, p := range e.pipes {
			if h := p.health(); h.Queued != 0 || !h.LastSuccess.After(recovered) {
				return false
			}
		}
		return true
	})
	drained := time.Since(recovered)
	heapAfter := heapAfterGC()
	hot.end()

	// The heap grew by no more than what the queues hold, the snapshot being
	// exported after it was pushed out, and the one being queued.
	const slack = 4 << 20 // the exporters' transient allocations
	bound := int64(slack)
	for _, p := range e.pipes {
		bound += int64(p.queueSize+2) * p.snapBytes
	}
	growth := heapPeak - heapBefore
	t.Logf("outage %v (%d snapshots), drained in %v; hot path during it: %d updates, longest iteration %v",
		outageFor.Round(time.Millisecond), faultTaken, drained.Round(time.Millisecond), updates, longest.Round(time.Microsecond))
	t.Logf("heap: %.1f MiB before, %.1f MiB at peak (+%.1f MiB, bound %.1f MiB; an unbounded queue: +%.1f MiB), %.1f MiB after; a snapshot of 10,000 series holds %.2f MiB",
		mib(heapBefore), mib(heapPeak), mib(growth), mib(bound), mib(int64(faultTaken)*past.snapBytes), mib(heapAfter), mib(past.snapBytes))
	if int64(faultTaken)*past.snapBytes < 2*bound {
		t.Fatalf("the outage is too short for the heap to tell a bounded queue from an unbounded one")
	}
	if growth > bound {
		t.Fatalf("the heap grew by %.1f MiB during the outage, more than the queues hold (%.1f MiB)", mib(growth), mib(bound))
	}
	if heapAfter-heapBefore > 2*past.snapBytes+slack {
		t.Fatalf("the heap did not come back after the queues drained: %.1f MiB before, %.1f MiB after", mib(heapBefore), mib(heapAfter))
	}

	health := map[*pipeline]exporters.ExporterHealth{}
	for _, p := range e.pipes {
		health[p] = p.shutdown(t)
	}
	testkit.Poll(t, 5*time.Second, fmt.Sprintf("the goroutines to end after Shutdown (%d before the pipelines started)", goroutines),
		func() bool { return runtime.NumGoroutine() <= goroutines })

	for _, p := range e.pipes {
		checkDelivery(t, b, ns[p], p, health[p], e.lost[p])
	}
	if health[within].Dropped != 0 {
		t.Fatalf("within: dropped %d points", health[within].Dropped)
	}
	if health[past].Dropped == 0 {
		t.Fatalf("past: nothing dropped")
	}
}

// checkDelivery reads back what the backend holds of p and checks it
// against p's ledger and final health: each snapshot is stored whole and
// once, or not at all; the points of the snapshots missing are exactly
// those counted as dropped; the last value stored is the final one. The
// snapshots in lost, acknowledged by a backend before it crashed, may be
// missing in whole or in part.
func checkDelivery(t *testing.T, b backend, ns string, p *pipeline, h exporters.ExporterHealth, lost map[int64]bool) {
	t.Helper()
	taken, _ := p.led.snapshots()
	lostPoints := 0
	for ts := range lost {
		lostPoints += taken[ts]
	}
	want := h.Exported - int64(lostPoints) // points exported since the crash, or all of them
	var stored map[int64]int
	var lastJobs float64
	var got int64
	testkit.Poll(t, 20*time.Second, p.name+": the backend to hold every exported point", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		if stored, lastJobs, err = b.read(ctx, ns); err != nil {
			return false
		}
		got = 0
		for ts, n := range stored {
			if !lost[ts] {
				got += int64(n)
			}
		}
		return got >= want
	})
	missing, missingSnaps, crashLost := 0, 0, 0
	for ts, n := range taken {
		s := stored[ts]
		switch {
		case s > n:
			t.Errorf("%s: snapshot at %d stored %d points, it has %d: a retry duplicated points", p.name, ts, s, n)
		case lost[ts]:
			crashLost += n - s
		case s == 0:
			missing += n
			missingSnaps++
		case s < n:
			t.Errorf("%s: snapshot at %d stored %d of its %d points", p.name, ts, s, n)
		}
	}
	for ts := range stored {
		if _, ok := taken[ts]; !ok {
			t.Errorf("%s: points at %d, when no snapshot was taken", p.name, ts)
		}
	}
	t.Logf("%s: %d snapshots taken, %d missing (%d points), %d points lost in the crash; health %+v",
		p.name, len(taken), missingSnaps, missing, crashLost, h)
	if got != want {
		t.Errorf("%s: the backend holds %d points, the exporter counted %d exported", p.name, got, want)
	}
	if h.Rejected != 0 {
		t.Errorf("%s: %d points rejected", p.name, h.Rejected)
	}
	if int64(missing) != h.Dropped {
		t.Errorf("%s: dropped %d points, but %d points (%d snapshots) are missing", p.name, h.Dropped, missing, missingSnaps)
	}
	if lastJobs != float64(p.jobs.Count()) {
		t.Errorf("%s: last jobs value stored %v, the counter is %d", p.name, lastJobs, p.jobs.Count())
	}
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
