package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/internal/pgschema"
	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/metrics"
)

// compactFiguresEnv, set to a number of series (say 10000), runs
// TestCompactionFigures, which takes minutes:
//
//	VITALS_COMPACT_FIGURES=10000 go test -run TestCompactionFigures -v -timeout 60m ./exporters/postgres/
const compactFiguresEnv = "VITALS_COMPACT_FIGURES"

// TestCompactionFigures prints the bytes per point before and after
// compaction, by kind, for a day (8,640 intervals of 10 s) of the example
// service's series and of the soak's mix (200 series), written through the
// Exporter with the clock of testing/synctest so that rates move as in a
// process; and the time to compact a day of the soak mix for the number
// of series in compactFiguresEnv (the 200 series' day copied under new
// ids, 200 series at a time).
func TestCompactionFigures(t *testing.T) {
	series, _ := strconv.Atoi(os.Getenv(compactFiguresEnv))
	if series <= 0 {
		t.Skipf("set %s to a number of series to run it (it takes minutes)", compactFiguresEnv)
	}
	srv := testenv.Postgres(t)
	day := dayOf(time.Now()).AddDate(0, 0, -3)
	scale := ""
	for _, mix := range []string{"example", "soak"} {
		schema := fmt.Sprintf("figures_%s_%d", mix, time.Now().UnixNano())
		dropSchemaAtCleanup(t, srv.URL, schema)
		e, err := New(context.Background(), Config{URL: srv.URL, Schema: schema, CompactAfter: -1,
			Retention: 100 * 365 * 24 * time.Hour, Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		exportFakeDay(t, e, day, func(reg *metrics.Registry) workload {
			if mix == "example" {
				return exampleWorkload(reg)
			}
			return soakWorkload(reg, 200)
		})
		if err := e.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if mix == "soak" {
			scale = copyDay(t, srv.URL, schema, day, series)
		}
		printFigures(t, figuresCompactor(t, srv.URL, schema), mix, day)
	}
	timeCompaction(t, srv.URL, scale, day)
}

// exportFakeDay exports a day of intervals of the workload that newWork
// registers, stamped from day on, through e. The registry lives in a
// testing/synctest bubble, whose clock advances by 10 s between intervals,
// so that its rates move as in a process; its snapshots are exported by
// this goroutine, outside the bubble, on the real clock.
func exportFakeDay(t *testing.T, e *Exporter, day time.Time, newWork func(*metrics.Registry) workload) {
	snaps, done := make(chan metrics.Snapshot), make(chan error)
	go func() {
		for snap := range snaps {
			done <- e.Export(context.Background(), snap)
		}
	}()
	synctest.Test(t, func(t *testing.T) {
		reg := metrics.NewRegistry()
		w := newWork(reg)
		r := rand.New(rand.NewPCG(11, 12))
		ir, err := reg.NewIntervalReader()
		if err != nil {
			t.Fatal(err)
		}
		for i := range 8640 {
			w(r)
			time.Sleep(10 * time.Second)
			snap := ir.EndInterval()
			snap.Time = day.Add(time.Duration(i) * 10 * time.Second)
			snaps <- snap
			if err := <-done; err != nil {
				t.Fatalf("export interval %d: %v", i, err)
			}
		}
	})
	close(snaps)
}

// dropSchemaAtCleanup drops schema when t ends: the figures take
// gigabytes, which a server given by testenv.PostgresURLEnv would keep.
func dropSchemaAtCleanup(t *testing.T, url, schema string) {
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Error(err)
		}
	})
}

// figuresCompactor returns a compactor of schema, with the default batch
// size and a timeout of a minute per batch.
func figuresCompactor(t *testing.T, url, schema string) *compactor {
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	n := pgschema.NewNames(schema)
	return &compactor{pool: pool, n: n, timeout: time.Minute, batchBytes: compactBatchBytes, bulkBytes: compactBulkBytes,
		workers: compactWorkers,
		log:     slog.Default(),
		parts:   &partitions{pool: pool, n: n, retention: 100 * 365 * 24 * time.Hour}}
}

// kindBytes is the share of a kind in the size of a table.
type kindBytes struct {
	kind   string
	points int64
	weight float64 // the kind's rows' bytes, as pg_column_size counts them
}

// byKind returns the points and bytes of rel's rows by kind, and the
// total size of rel (heap, TOAST and indexes). pointsExpr counts the
// points of a row.
func byKind(t *testing.T, c *compactor, rel, pointsExpr string, rowOverhead int) ([]kindBytes, int64) {
	ctx := context.Background()
	rows, err := c.pool.Query(ctx, fmt.Sprintf(`SELECT s.kind, sum(%s)::bigint, sum(pg_column_size(r.*) + %d)::float8
		FROM %s AS r JOIN %s AS s ON s.id = r.series_id GROUP BY 1 ORDER BY 1`, pointsExpr, rowOverhead, rel, c.n.Series))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []kindBytes
	var k kindBytes
	if _, err := pgx.ForEachRow(rows, []any{&k.kind, &k.points, &k.weight}, func() error {
		kinds = append(kinds, k)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var total int64
	if err := c.pool.QueryRow(ctx, "SELECT pg_total_relation_size($1)", rel).Scan(&total); err != nil {
		t.Fatal(err)
	}
	return kinds, total
}

// printFigures compacts day and prints, by kind, the bytes per point of
// the day's partition of vitals_points before and of vitals_blocks after
// (each table's total size shared among the kinds by the sizes of their
// rows), and how long reading one timer's day through vitals_points_all
// takes from either.
func printFigures(t *testing.T, c *compactor, mix string, day time.Time) {
	ctx := context.Background()
	// A raw row also costs its line pointer (4 bytes) and its primary key
	// entry (28); a block too, but they are shared by its 360 points.
	raw, rawTotal := byKind(t, c, pointsPartition(c.n, day), "1", 32)
	timer := "(SELECT id FROM " + c.n.Series + " WHERE kind = 'timer' ORDER BY name DESC, id LIMIT 1)"
	readDay := func() time.Duration {
		began := time.Now()
		var n int
		if err := c.pool.QueryRow(ctx, "SELECT count(*) FROM (SELECT * FROM "+c.n.PointsAll+
			" WHERE series_id = "+timer+" AND ts >= $1 AND ts < $2 OFFSET 0) p", day, day.AddDate(0, 0, 1)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return time.Since(began)
	}
	readDay() // warm the cache
	rawRead := readDay()
	st, err := c.compact(ctx, dayWindow(day))
	if err != nil {
		t.Fatal(err)
	}
	blocks, blocksTotal := byKind(t, c, blocksPartition(c.n, day), "r.points", 32)
	readDay()
	blockRead := readDay()
	share := func(ks []kindBytes, total int64) map[string]float64 {
		var sum float64
		for _, k := range ks {
			sum += k.weight
		}
		m := map[string]float64{}
		for _, k := range ks {
			m[k.kind] = float64(total) * k.weight / sum / float64(k.points)
		}
		return m
	}
	rb, bb := share(raw, rawTotal), share(blocks, blocksTotal)
	t.Logf("%s mix: a day, %d series, %d points compacted in %v (%d batches)", mix, st.Series, st.Points,
		st.Duration.Round(time.Millisecond), st.Batches)
	t.Logf("  %-14s %10s %12s %14s %8s", "kind", "points", "raw B/point", "blocks B/point", "ratio")
	var points int64
	for _, k := range raw {
		points += k.points
		t.Logf("  %-14s %10d %12.1f %14.2f %7.1fx", k.kind, k.points, rb[k.kind], bb[k.kind], rb[k.kind]/bb[k.kind])
	}
	t.Logf("  %-14s %10d %12.1f %14.2f %7.1fx", "all", points, float64(rawTotal)/float64(points),
		float64(blocksTotal)/float64(points), float64(rawTotal)/float64(blocksTotal))
	t.Logf("  reading a timer's day through vitals_points_all: %v from vitals_points, %v from its block",
		rawRead.Round(time.Microsecond), blockRead.Round(time.Microsecond))
}

// copyDay copies the day of the soak mix in schema src under new ids into
// a schema of its own until it holds series series (the rows of each hour
// together, as the exporters write them), and returns that schema.
func copyDay(t *testing.T, url, src string, day time.Time, series int) string {
	c := scaleSchema(t, url, day)
	copies := (series + 199) / 200
	began := time.Now()
	for h := range 24 {
		from := day.Add(time.Duration(h) * time.Hour)
		copyRows(t, c, src, day, from, from.Add(time.Hour), copies)
	}
	if _, err := c.pool.Exec(context.Background(), "VACUUM ANALYZE "+pointsPartition(c.n, day)); err != nil {
		t.Fatal(err)
	}
	t.Logf("scale: %d series (%d copies of the soak mix's 200), a day written in %v",
		copies*200, copies, time.Since(began).Round(time.Second))
	return c.n.Schema
}

// scaleSchema creates a schema, dropped at cleanup, with a partition for
// day, and returns a compactor of it (figuresCompactor).
func scaleSchema(t *testing.T, url string, day time.Time) *compactor {
	ctx := context.Background()
	dst := fmt.Sprintf("figures_scale_%d", time.Now().UnixNano())
	dropSchemaAtCleanup(t, url, dst)
	e, err := New(ctx, Config{URL: url, Schema: dst, CompactAfter: -1, Retention: 100 * 365 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.parts.create(ctx, day); err != nil {
		t.Fatal(err)
	}
	// No maintenance while the day is written and compacted: the rollups
	// would read it meanwhile.
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	return figuresCompactor(t, url, dst)
}

// copyRows copies the rows of [from, to) of the schema src into day's
// partition of vitals_points of c's schema, copies times, under new ids,
// in the order of their times.
func copyRows(t *testing.T, c *compactor, src string, day, from, to time.Time, copies int) {
	if _, err := c.pool.Exec(context.Background(), "INSERT INTO "+pointsPartition(c.n, day)+
		" SELECT p.series_id # (k::bigint << 48), p.ts, p.total, p.count, p.sum, p.min, p.max, p.value,"+
		" p.mean, p.stddev, p.p50, p.p75, p.p95, p.p99, p.p999, p.rate1, p.rate5, p.rate15, p.rate_mean,"+
		" p.bucket_idx, p.bucket_cnt FROM "+pgschema.NewNames(src).Points+" AS p, generate_series(0, $3 - 1) AS k"+
		" WHERE p.ts >= $1 AND p.ts < $2 ORDER BY p.ts, k",
		from, to, copies); err != nil {
		t.Fatal(err)
	}
}

// timeCompaction compacts day in schema and prints how long that took.
func timeCompaction(t *testing.T, url, schema string, day time.Time) {
	ctx := context.Background()
	c := figuresCompactor(t, url, schema)
	var rawBytes int64
	if err := c.pool.QueryRow(ctx, "SELECT pg_total_relation_size($1)", pointsPartition(c.n, day)).Scan(&rawBytes); err != nil {
		t.Fatal(err)
	}
	st, err := c.compact(ctx, dayWindow(day))
	if err != nil {
		t.Fatal(err)
	}
	var blockBytes int64
	if err := c.pool.QueryRow(ctx, "SELECT pg_total_relation_size($1)", blocksPartition(c.n, day)).Scan(&blockBytes); err != nil {
		t.Fatal(err)
	}
	t.Logf("scale: compacted %d series, %d points in %v (%.0f points/s, %d transactions, in bulk: %v): %d MB to %d MB (%.2f B/point)",
		st.Series, st.Points, st.Duration.Round(time.Millisecond), float64(st.Points)/st.Duration.Seconds(),
		st.Batches, rawBytes >= c.bulkBytes, rawBytes>>20, blockBytes>>20, float64(blockBytes)/float64(st.Points))
}
