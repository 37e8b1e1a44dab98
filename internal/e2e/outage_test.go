package e2e_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/opentsdb"
	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/metrics"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// pointsLedger wraps an exporter and remembers how many points each snapshot
// had, as the Reporter counted them when it queued the snapshot, so that a
// test can tell what every dropped snapshot weighed.
type pointsLedger struct {
	*opentsdb.Exporter
	mu     sync.Mutex
	points map[time.Time]int
}

func (l *pointsLedger) Points(snap metrics.Snapshot) int {
	n := l.Exporter.Points(snap)
	l.mu.Lock()
	l.points[snap.Time] = n
	l.mu.Unlock()
	return n
}

func (l *pointsLedger) snapshots() map[time.Time]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[time.Time]int, len(l.points))
	for t, n := range l.points {
		out[t] = n
	}
	return out
}

// waitFor polls cond every 50 ms until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestOutageAtStart starts a service while its OpenTSDB backend is down and
// brings the backend up about 5 s later. Within the queue's capacity every
// snapshot arrives exactly once; past it, the dropped count equals exactly
// the points of the snapshots that are missing.
func TestOutageAtStart(t *testing.T) {
	for _, tc := range []struct {
		name      string
		queueSize int
		dropsSome bool
	}{
		{"within-capacity", 100, false},
		{"past-capacity", 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) { testOutageAtStart(t, tc.queueSize, tc.dropsSome) })
	}
}

func testOutageAtStart(t *testing.T, queueSize int, dropsSome bool) {
	vm := testenv.VictoriaMetrics(t)
	if err := vm.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := vm.Start(); err != nil {
			t.Errorf("restarting VictoriaMetrics: %v", err)
		}
	})
	prefix := fmt.Sprintf("e2e.outage%d.%d", queueSize, time.Now().UnixNano())
	exp, err := opentsdb.New(opentsdb.Config{URL: vm.OpenTSDBHTTPURL, Prefix: prefix, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ledger := &pointsLedger{Exporter: exp, points: map[time.Time]int{}}

	reg := metrics.NewRegistry()
	if err := reg.SetDefaultTags(metrics.Tags{"host": "e2e"}); err != nil {
		t.Fatal(err)
	}
	jobs := reg.Counter("jobs", metrics.Tags{"queue": "base"})
	latency := reg.Timer("latency", nil)
	rep, err := exporters.Start(reg, exporters.Config{
		Exporters:  map[string]exporters.Exporter{"tsdb": ledger},
		Interval:   time.Second,
		QueueSize:  queueSize,
		MinBackoff: 50 * time.Millisecond,
		MaxBackoff: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	health := func() exporters.ExporterHealth { return rep.Health()[0] }

	// The service works while the backend is down.
	stopWork := make(chan struct{})
	workDone := make(chan struct{})
	go func() {
		defer close(workDone)
		for {
			select {
			case <-stopWork:
				return
			case <-time.After(10 * time.Millisecond):
				jobs.Inc(1)
				latency.Update(3 * time.Millisecond)
			}
		}
	}()
	waitFor(t, 10*time.Second, "5 snapshots taken during the outage", func() bool { return len(ledger.snapshots()) >= 5 })
	if h := health(); h.Exported != 0 || h.LastError == "" {
		t.Fatalf("nothing can be exported while the backend is down: %+v", h)
	}
	if err := vm.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "the queue to drain after the backend came back", func() bool {
		h := health()
		return h.Queued == 0 && h.Exported > 0
	})
	close(stopWork)
	<-workDone
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rep.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	h := health()

	// Read back everything this test wrote.
	samples := 0
	var jobsSeries testenv.ExportedSeries
	waitFor(t, 20*time.Second, "VictoriaMetrics to hold every exported point", func() bool {
		if err := vm.ForceFlush(context.Background()); err != nil {
			return false
		}
		series, err := vm.Export(context.Background(), fmt.Sprintf(`{__name__=~"%s.*"}`, prefix))
		if err != nil {
			return false
		}
		samples = 0
		for _, s := range series {
			samples += len(s.Values)
			if s.Name == prefix+".jobs.count" {
				jobsSeries = s
			}
		}
		return int64(samples) >= h.Exported
	})
	if int64(samples) != h.Exported {
		t.Fatalf("VictoriaMetrics holds %d points, the exporter counted %d exported", samples, h.Exported)
	}
	if jobsSeries.Tags["host"] != "e2e" || jobsSeries.Tags["queue"] != "base" {
		t.Fatalf("jobs series tags: %v", jobsSeries.Tags)
	}
	stored := map[int64]bool{}
	for _, ts := range jobsSeries.Timestamps {
		if stored[ts] {
			t.Fatalf("timestamp %d stored twice: a retry duplicated a point", ts)
		}
		stored[ts] = true
	}
	missingPoints, missingSnapshots := 0, 0
	taken := ledger.snapshots()
	for at, points := range taken {
		if !stored[at.UnixMilli()] {
			missingPoints += points
			missingSnapshots++
		}
	}
	t.Logf("%d snapshots taken, %d missing (%d points); health %+v", len(taken), missingSnapshots, missingPoints, h)
	if h.Rejected != 0 {
		t.Fatalf("nothing should be rejected: %+v", h)
	}
	if int64(missingPoints) != h.Dropped {
		t.Fatalf("dropped %d points, but %d points (%d snapshots) are missing", h.Dropped, missingPoints, missingSnapshots)
	}
	if dropsSome != (h.Dropped > 0) {
		t.Fatalf("queue size %d: dropped %d points", queueSize, h.Dropped)
	}
	// The last value sent is the final count.
	if last := jobsSeries.Values[len(jobsSeries.Values)-1]; last != float64(jobs.Count()) {
		t.Fatalf("last jobs.count stored %v, counter is %d", last, jobs.Count())
	}
}
