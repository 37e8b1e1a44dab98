package postgres

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/internal/pgschema"
	"github.com/vitals-go/vitals/metrics"
	"github.com/vitals-go/vitals/pgreader"
)

// TestExporterRecordsRelease runs an Exporter on snapshots with the default
// tags service, version and host: its first successful Export records the
// process in vitals_releases, once, and every Export sets its last_export
// to the snapshot's time, never back (a retried older snapshot leaves it);
// a pgreader.Reader lists the release.
func TestExporterRecordsRelease(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{})
	ctx := xpCtx(t)
	snap := metrics.Snapshot{
		Time:        time.Now().Truncate(time.Second),
		DefaultTags: []metrics.Tag{{Key: "host", Value: "web-1"}, {Key: "service", Value: "alerts"}, {Key: "version", Value: "v42"}},
		Series:      []metrics.Series{{Name: "jobs.done", Kind: metrics.KindCounter, Count: 3}},
	}
	count := func() int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+e.n.Releases).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("%d release rows before the first Export", n)
	}
	first := snap.Time
	for i := range 3 {
		snap.Time = first.Add(time.Duration(i) * 1500 * time.Millisecond)
		if err := e.Export(ctx, snap); err != nil {
			t.Fatal(err)
		}
	}
	last := snap.Time
	snap.Time = first // an old snapshot, offered again
	if err := e.Export(ctx, snap); err != nil {
		t.Fatal(err)
	}
	var service, version, host string
	var pid int32
	var started, lastExport time.Time
	err := pool.QueryRow(ctx, "SELECT service, version, host, pid, started_at, last_export FROM "+e.n.Releases).
		Scan(&service, &version, &host, &pid, &started, &lastExport)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 || service != "alerts" || version != "v42" || host != "web-1" || int(pid) != os.Getpid() ||
		!started.Equal(processStart.Truncate(time.Microsecond)) || !lastExport.Equal(last) {
		t.Errorf("%d rows, first (%s, %s, %s, %d, %v, %v); want 1 row (alerts, v42, web-1, %d, %v, %v)",
			n, service, version, host, pid, started, lastExport, os.Getpid(), processStart, last)
	}

	r, err := pgreader.New(ctx, pgreader.Config{URL: e.cfg.URL, Schema: e.cfg.Schema})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rels, err := r.Releases(ctx, "alerts")
	if err != nil || len(rels) != 1 || rels[0].Version != "v42" || rels[0].Hosts != 1 || !rels[0].FirstStart.Equal(started) ||
		!rels[0].LastExport.Equal(last) {
		t.Errorf("Releases = %+v, %v", rels, err)
	}
}

// TestExporterReleaseNeedsVersion: without a version default tag, nothing
// is recorded.
func TestExporterReleaseNeedsVersion(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{})
	ctx := xpCtx(t)
	snap := metrics.Snapshot{
		Time:        time.Now().Truncate(time.Second),
		DefaultTags: []metrics.Tag{{Key: "host", Value: "web-1"}, {Key: "service", Value: "alerts"}},
		Series:      []metrics.Series{{Name: "jobs.done", Kind: metrics.KindCounter, Count: 3}},
	}
	if err := e.Export(ctx, snap); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+e.n.Releases).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d release rows, want none without a version tag", n)
	}
}

func TestReleaseOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		tags                   []metrics.Tag
		service, version, host string
		ok                     bool
	}{
		{nil, "", "", "", false},
		{[]metrics.Tag{{Key: "service", Value: "s"}}, "s", "", "", false},
		{[]metrics.Tag{{Key: "version", Value: "v"}}, "", "v", "", false},
		{[]metrics.Tag{{Key: "host", Value: "h"}, {Key: "service", Value: "s"}, {Key: "version", Value: "v"}}, "s", "v", "h", true},
		{[]metrics.Tag{{Key: "service", Value: "s"}, {Key: "version", Value: "v"}}, "s", "v", "", true},
	} {
		s, v, h, ok := releaseOf(metrics.Snapshot{DefaultTags: tc.tags})
		if s != tc.service || v != tc.version || h != tc.host || ok != tc.ok {
			t.Errorf("releaseOf(%v) = %q %q %q %v", tc.tags, s, v, h, ok)
		}
	}
}

// TestMigrate2OnVersion1 upgrades a schema left at version 1 (as an older
// exporter created it): migrate adds vitals_releases and records version 2
// and every later one.
func TestMigrate2OnVersion1(t *testing.T) {
	t.Parallel()
	pool, _ := xpPool(t)
	ctx := xpCtx(t)
	schema := xpSchema(t)
	n := pgschema.NewNames(schema)
	t.Cleanup(func() { _, _ = pool.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+n.Quoted+" CASCADE") })
	if err := migrateTo(ctx, pool, schema, time.Now(), 1); err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, pool, schema); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, "SELECT version FROM "+n.Version+" ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", n.Releases).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	want := make([]int, len(migrations))
	for i := range want {
		want[i] = i + 1
	}
	if !exists || !slices.Equal(versions, want) {
		t.Errorf("after the upgrade: vitals_releases exists %v, versions %v; want true, %v", exists, versions, want)
	}
}

// TestMigrate6KeepsReleases upgrades a schema at version 5 that holds a
// release row: the row stays, its last_export NULL, until the process
// exports again.
func TestMigrate6KeepsReleases(t *testing.T) {
	t.Parallel()
	pool, _ := xpPool(t)
	ctx := xpCtx(t)
	schema := xpSchema(t)
	n := pgschema.NewNames(schema)
	t.Cleanup(func() { _, _ = pool.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+n.Quoted+" CASCADE") })
	if err := migrateTo(ctx, pool, schema, time.Now(), 5); err != nil {
		t.Fatal(err)
	}
	started := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	if _, err := pool.Exec(ctx, "INSERT INTO "+n.Releases+" VALUES ('alerts', 'v1', 'web-1', 42, $1)", started); err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, pool, schema); err != nil {
		t.Fatal(err)
	}
	var last *time.Time
	var got time.Time
	if err := pool.QueryRow(ctx, "SELECT started_at, last_export FROM "+n.Releases).Scan(&got, &last); err != nil {
		t.Fatal(err)
	}
	if !got.Equal(started) || last != nil {
		t.Errorf("after migration 6: started_at %v, last_export %v; want %v, NULL", got, last, started)
	}
}
