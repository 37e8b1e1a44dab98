package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/internal/pgschema"
	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

// TestShutdownContract: the Exporter keeps the Shutdown contract of
// exporters.Exporter. An Export is held in progress by a transaction of
// another connection that locks vitals_series, which the Export's first
// write (the new series) waits for.
func TestShutdownContract(t *testing.T) {
	reg := metrics.NewRegistry()
	if err := reg.SetDefaultTags(metrics.Tags{metrics.TagHost: "h"}); err != nil {
		t.Fatal(err)
	}
	reg.Counter("jobs", nil).Inc(1)
	snap := reg.Peek()
	snap.Time = time.Now()

	stuck := func(t *testing.T) testkit.StuckExport {
		e, pool := xpNew(t, Config{})
		ctx := xpCtx(t)
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		release := func() { tx.Rollback(context.Background()) } //nolint:errcheck // released or gone
		t.Cleanup(release)
		if _, err := tx.Exec(ctx, "LOCK TABLE "+pgschema.NewNames(e.cfg.Schema).Series+" IN ACCESS EXCLUSIVE MODE"); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- e.Export(context.Background(), snap) }()
		testkit.Poll(t, 10*time.Second, "the Export to wait for the lock", func() bool {
			var waiting bool
			err := pool.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database())").Scan(&waiting)
			return err == nil && waiting
		})
		return testkit.StuckExport{Exporter: e, Done: done, Release: release}
	}
	idle := func(t *testing.T) exporters.Exporter {
		e, _ := xpNew(t, Config{})
		return e
	}
	testkit.CheckShutdown(t, stuck, idle, snap)
}
