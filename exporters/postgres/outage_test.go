package postgres

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

// ledger wraps an Exporter and remembers every snapshot the Reporter took,
// with its points, as the Reporter counted them when it queued it.
type ledger struct {
	*Exporter
	mu     sync.Mutex
	points map[time.Time]int
}

func (l *ledger) Points(snap metrics.Snapshot) int {
	n := l.Exporter.Points(snap)
	l.mu.Lock()
	l.points[snap.Time] = n
	l.mu.Unlock()
	return n
}

func (l *ledger) taken() map[time.Time]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[time.Time]int, len(l.points))
	for t, n := range l.points {
		out[t] = n
	}
	return out
}

// waitUntil polls cond every 20 ms until it holds or within passes.
func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServerRestart stops PostgreSQL for about 3 s while a Reporter
// exports every second, then starts it again: after Shutdown every
// snapshot the Reporter took is stored exactly once. It stops the server
// shared by the package's tests, so it does not run in parallel.
func TestServerRestart(t *testing.T) {
	e, pool := xpNew(t, Config{Timeout: 2 * time.Second})
	_, srv := xpPool(t)
	t.Cleanup(func() {
		if err := srv.Start(); err != nil {
			t.Errorf("restarting PostgreSQL: %v", err)
		}
	})
	var logs testkit.Buffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("reporter logs:\n%s", logs.String())
		}
	})
	l := &ledger{Exporter: e, points: map[time.Time]int{}}
	reg := metrics.NewRegistry()
	if err := reg.SetDefaultTags(metrics.Tags{"host": "restart"}); err != nil {
		t.Fatal(err)
	}
	jobs := reg.Counter("jobs", nil)
	latency := reg.Timer("latency", metrics.Tags{"stage": "plan"})
	rep, err := exporters.Start(reg, exporters.Config{
		Exporters:  map[string]exporters.Exporter{"pg": l},
		Interval:   time.Second,
		QueueSize:  100,
		MinBackoff: 50 * time.Millisecond,
		MaxBackoff: 300 * time.Millisecond,
		Logger:     newTestLogger(&logs),
	})
	if err != nil {
		t.Fatal(err)
	}
	health := func() exporters.ExporterHealth { return rep.Health()[0] }

	stopWork, workDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(workDone)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopWork:
				return
			case <-tick.C:
				jobs.Inc(1)
				latency.Update(2 * time.Millisecond)
			}
		}
	}()

	waitUntil(t, 10*time.Second, "2 snapshots of 2 series exported", func() bool { return health().Exported >= 4 })
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	before := len(l.taken())
	waitUntil(t, 10*time.Second, "3 snapshots taken while PostgreSQL is down", func() bool { return len(l.taken()) >= before+3 })
	if h := health(); h.Queued == 0 || h.LastError == "" {
		t.Fatalf("the outage went unnoticed: %+v", h)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "the queue to drain", func() bool {
		h := health()
		return h.Queued == 0 && len(l.taken()) >= before+5
	})
	close(stopWork)
	<-workDone
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := rep.Shutdown(ctx); err != nil {
		t.Fatalf("Reporter.Shutdown: %v", err)
	}
	h := health()
	taken := l.taken()
	t.Logf("%d snapshots taken; health %+v", len(taken), h)
	if h.Dropped != 0 || h.Rejected != 0 || h.Retries == 0 {
		t.Fatalf("want no drops, no rejections and some retries: %+v", h)
	}

	id := SeriesID("jobs", []metrics.Tag{{Key: "host", Value: "restart"}})
	var rows, distinct int
	var last int64
	err = pool.QueryRow(ctx, "SELECT count(*), count(DISTINCT ts), (array_agg(total ORDER BY ts DESC))[1] FROM "+
		e.n.Points+" WHERE series_id = $1", id).Scan(&rows, &distinct, &last)
	if err != nil {
		t.Fatal(err)
	}
	if rows != len(taken) || distinct != len(taken) {
		t.Fatalf("jobs has %d rows at %d distinct times; %d snapshots were taken", rows, distinct, len(taken))
	}
	if last != jobs.Count() {
		t.Fatalf("last stored jobs total %d, counter is %d", last, jobs.Count())
	}
	stored := readRows(t, pool, e.cfg.Schema)
	points := 0
	for at, n := range taken {
		points += n
		found := 0
		for _, r := range stored[id] {
			if r.TS.Equal(at.Truncate(time.Microsecond)) {
				found++
			}
		}
		if found != 1 {
			t.Errorf("snapshot at %v stored %d times", at, found)
		}
	}
	total := 0
	for _, rs := range stored {
		total += len(rs)
	}
	if int64(total) != h.Exported || total != points {
		t.Fatalf("%d rows stored, %d points exported, %d points taken", total, h.Exported, points)
	}
}
