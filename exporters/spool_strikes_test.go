package exporters_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

// pickyExporter fails, transiently, every snapshot taken before cutoff
// (as a backend fails a snapshot too large to send in time), and records
// the order of what it accepts and fails.
type pickyExporter struct {
	cutoff time.Time
	mu     sync.Mutex
	events []string // "ok" or "fail", in order
	got    []metrics.Snapshot
}

func (e *pickyExporter) Export(_ context.Context, snap metrics.Snapshot) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if snap.Time.Before(e.cutoff) {
		e.events = append(e.events, "fail")
		return fmt.Errorf("send: %w", errTransient)
	}
	e.events = append(e.events, "ok")
	e.got = append(e.got, snap)
	return nil
}

func (e *pickyExporter) Shutdown(context.Context) error { return nil }

// TestSpoolRecordThatKeepsFailingIsDropped: spooled snapshots that the
// backend keeps failing while it takes fresh ones do not hold the fresh
// ones back (they are delivered between the retries), and each is dropped,
// counted and logged once it failed 5 times while others succeeded.
func TestSpoolRecordThatKeepsFailingIsDropped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var taken1 takenLog
	cfg := spoolConfig(&recorder{failNext: math.MaxInt}, dir, &taken1, nil)
	cfg.QueueSize = 1
	r1 := start(t, metrics.NewRegistry(), cfg)
	testkit.Poll(t, 20*time.Second, "2 snapshots spooled", func() bool { return healthOf(t, r1, "db").Spool.Records >= 2 })
	if err, _ := shutdown(r1, time.Second); err != nil {
		t.Fatal(err)
	}
	old := taken1.all()

	e := &pickyExporter{cutoff: time.Now()}
	var taken2 takenLog
	logs := newLogSink()
	r2 := start(t, metrics.NewRegistry(), spoolConfig(e, dir, &taken2, slog.New(logs)))
	testkit.Poll(t, 30*time.Second, "the bad records to be dropped", func() bool { return healthOf(t, r2, "db").Spool.Records == 0 })
	if err, _ := shutdown(r2, 5*time.Second); err != nil {
		t.Fatal(err)
	}

	e.mu.Lock()
	events, got := e.events, e.got
	e.mu.Unlock()
	okBeforeLastFail := 0
	for i, ev := range events {
		if ev == "ok" && i < len(events)-1 && slices.Contains(events[i+1:], "fail") {
			okBeforeLastFail++
		}
	}
	if okBeforeLastFail < 4 {
		t.Errorf("%d fresh snapshots delivered while the bad ones were retried; events %v", okBeforeLastFail, events)
	}
	h := healthOf(t, r2, "db")
	if missing, _ := checkOnce(t, got, taken2.all()); missing != 0 {
		t.Errorf("%d fresh points not delivered", missing)
	}
	if want := series(old...); h.Dropped != want || h.Spool.Dropped != want || h.Exported != series(got...) {
		t.Errorf("health %+v; want the %d points of the bad records dropped, by the spool, and %d exported",
			h, want, series(got...))
	}
	if n := len(logs.find("dropped a spooled snapshot that kept failing")); n != len(old) {
		t.Errorf("%d log lines about dropped records, want %d", n, len(old))
	}
}
