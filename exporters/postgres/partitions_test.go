package postgres

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/internal/pgschema"
	"github.com/vitals-go/vitals/metrics"
)

// partitionsOf lists the partitions of schema's vitals_points by name.
func partitionsOf(t *testing.T, pool *pgxpool.Pool, schema string) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `
		SELECT c.relname FROM pg_inherits i
		JOIN pg_class c ON c.oid = i.inhrelid
		JOIN pg_class p ON p.oid = i.inhparent
		JOIN pg_namespace n ON n.oid = p.relnamespace
		WHERE n.nspname = $1 AND p.relname = 'vitals_points' ORDER BY 1`, schema)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// rowsByPartition counts schema's points by the partition holding them.
func rowsByPartition(t *testing.T, pool *pgxpool.Pool, schema string) map[string]int {
	t.Helper()
	n := pgschema.NewNames(schema)
	rows, err := pool.Query(context.Background(),
		"SELECT c.relname, count(*) FROM "+n.Points+" p JOIN pg_class c ON c.oid = p.tableoid GROUP BY 1")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	var name string
	var count int
	if _, err := pgx.ForEachRow(rows, []any{&name, &count}, func() error { out[name] = count; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPartitions(t *testing.T) {
	t.Parallel()
	const ahead = 5
	e, pool := xpNew(t, Config{Retention: 10 * 24 * time.Hour, PartitionsAhead: ahead})
	ctx := xpCtx(t)
	schema := e.cfg.Schema
	now := time.Now()
	today := dayOf(now)
	at := func(days int) time.Time { return now.AddDate(0, 0, days) }
	part := func(days int) string { return partitionName(today.AddDate(0, 0, days)) }

	// Created ahead at New.
	parts := partitionsOf(t, pool, schema)
	for d := 0; d <= ahead; d++ {
		if !slices.Contains(parts, part(d)) {
			t.Fatalf("partition %s (today+%d) missing at New: %v", part(d), d, parts)
		}
	}
	if !slices.Contains(parts, "vitals_points_default") || slices.Contains(parts, part(ahead+1)) {
		t.Fatalf("partitions at New: %v", parts)
	}

	export := func(when time.Time) {
		t.Helper()
		snap := metrics.Snapshot{Time: when, Series: []metrics.Series{{Name: "c", Kind: metrics.KindCounter, Count: 1}}}
		if err := e.Export(ctx, snap); err != nil {
			t.Fatal(err)
		}
	}
	// 40 days ahead: its partition is created on demand.
	export(at(40))
	// 5 days ago, within retention: created on demand too.
	export(at(-5))
	// 20 days ago, past retention: no partition, the row waits in default.
	export(at(-20))
	// A row written behind the exporter's back for a day without a
	// partition lands in the default partition.
	if _, err := pool.Exec(ctx, "INSERT INTO "+e.n.Points+" (series_id, ts, total) VALUES (1, $1, 2)", at(50)); err != nil {
		t.Fatal(err)
	}
	// A partition past retention, as another process may have made it.
	if _, err := e.parts.create(ctx, at(-15)); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "INSERT INTO "+e.n.Points+" (series_id, ts, total) VALUES (1, $1, 3)", at(-15)); err != nil {
		t.Fatal(err)
	}
	got := rowsByPartition(t, pool, schema)
	want := map[string]int{part(40): 1, part(-5): 1, part(-15): 1, "vitals_points_default": 2}
	if !maps.Equal(got, want) {
		t.Fatalf("before maintenance, rows by partition = %v, want %v", got, want)
	}

	if err := e.parts.maintain(ctx, now); err != nil {
		t.Fatal(err)
	}
	// The stray row of +50 days moved to its new partition; the expired
	// partitions (-15, and -20 made from the default partition's row) were
	// dropped whole; the rest is kept.
	got = rowsByPartition(t, pool, schema)
	want = map[string]int{part(40): 1, part(-5): 1, part(50): 1}
	if !maps.Equal(got, want) {
		t.Fatalf("after maintenance, rows by partition = %v, want %v", got, want)
	}
	parts = partitionsOf(t, pool, schema)
	for _, p := range []string{part(-20), part(-15)} {
		if slices.Contains(parts, p) {
			t.Fatalf("expired partition %s kept: %v", p, parts)
		}
	}
	for _, d := range []int{-5, 0, 1, ahead, 40, 50} {
		if !slices.Contains(parts, part(d)) {
			t.Fatalf("partition %s (today%+d) missing after maintenance: %v", part(d), d, parts)
		}
	}

	// Days later: yesterday's partitions expire in turn, new ones appear.
	later := now.AddDate(0, 0, 11)
	if err := e.parts.maintain(ctx, later); err != nil {
		t.Fatal(err)
	}
	parts = partitionsOf(t, pool, schema)
	if slices.Contains(parts, part(-5)) || slices.Contains(parts, part(0)) || !slices.Contains(parts, part(1)) ||
		!slices.Contains(parts, part(11+ahead)) {
		t.Fatalf("partitions 11 days later: %v", parts)
	}
}

// TestPartitionsConcurrentMaintenance runs maintenance from several
// exporters while they write: the advisory lock keeps them out of each
// other's way and no row is lost.
func TestPartitionsConcurrentMaintenance(t *testing.T) {
	t.Parallel()
	first, pool := xpNew(t, Config{})
	ctx := xpCtx(t)
	exps := []*Exporter{first}
	for range 3 {
		e, _ := xpNew(t, Config{Schema: first.cfg.Schema})
		exps = append(exps, e)
	}
	now := time.Now()
	done := make(chan error, len(exps))
	for i, e := range exps {
		go func() {
			for d := range 10 {
				snap := metrics.Snapshot{Time: now.AddDate(0, 0, 10+d), Series: []metrics.Series{
					{Name: "c", Kind: metrics.KindCounter, Count: int64(d), Tags: []metrics.Tag{{Key: "exp", Value: string(rune('a' + i))}}},
				}}
				if err := e.Export(ctx, snap); err != nil {
					done <- err
					return
				}
				if err := e.parts.maintain(ctx, now); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range exps {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for p, n := range rowsByPartition(t, pool, first.cfg.Schema) {
		if p == "vitals_points_default" {
			t.Fatalf("%d rows left in the default partition", n)
		}
		total += n
	}
	if total != 10*len(exps) {
		t.Fatalf("%d rows stored, want %d", total, 10*len(exps))
	}
}
