package postgres

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// TestCompactPredictsRates compacts a meter whose rates advance as the
// metrics package's do, but for a few points: the block leaves out the
// rates it predicts, stores the others, and the view returns every one.
func TestCompactPredictsRates(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{CompactAfter: -1})
	ctx := xpCtx(t)
	day := compactTestDay()
	if _, err := e.parts.create(ctx, day); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "INSERT INTO "+e.n.Series+" (id, name, tags, kind) VALUES (11, 'm', '{}', 'meter')"); err != nil {
		t.Fatal(err)
	}
	var values []string
	var total int64
	m := [3]float64{}
	for i := range 200 {
		delta := int64(i*7%13 + 1)
		total += delta
		instant := float64(delta) / 2 / 5
		for c := range m {
			alpha := 1 - math.Exp(-5.0/60.0/[3]float64{1, 5, 15}[c])
			if i == 0 {
				m[c] = instant
			} else {
				m[c] = instant + (m[c]-instant)*math.Pow(1-alpha, 2)
			}
		}
		rates := m
		if i%50 == 17 { // read between snapshots: not predicted
			rates[0] = rates[0] * 1.01
		}
		elapsed := time.Duration(i+1)*10*time.Second + 1234
		if i == 120 { // a snapshot late by a second
			elapsed += time.Second
		}
		mean := float64(total) / elapsed.Seconds()
		f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
		values = append(values, "(11, $1::timestamptz + interval '"+strconv.Itoa(i*10)+" seconds', "+
			strconv.FormatInt(total, 10)+", "+f(rates[0])+", "+f(rates[1])+", "+f(rates[2])+", "+f(mean)+")")
	}
	if _, err := pool.Exec(ctx, "INSERT INTO "+e.n.Points+" (series_id, ts, total, rate1, rate5, rate15, rate_mean) VALUES "+
		strings.Join(values, ", "), day); err != nil {
		t.Fatal(err)
	}
	before := allRows(t, pool, e)
	if _, err := e.Compact(ctx, day); err != nil {
		t.Fatal(err)
	}
	sameRows(t, "after compaction", allRows(t, pool, e), before)
	// rate1 stores its first point, the 4 it cannot predict and the 4 after
	// them (the model advanced the rate read between snapshots); rate5 and
	// rate15 their first point only.
	if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.Blocks+" WHERE rates_predicted AND rate_mean IS NULL"+
		" AND cardinality(array_remove(rate1, NULL)) = 9 AND cardinality(array_remove(rate5, NULL)) = 1"+
		" AND cardinality(array_remove(rate15, NULL)) = 1 AND rate_mean_elapsed[2] = 10000000000"); n != 1 {
		var got string
		_ = pool.QueryRow(ctx, "SELECT b::text FROM "+e.n.Blocks+" AS b").Scan(&got)
		t.Errorf("%d blocks with the rates predicted, want 1: %s", n, got)
	}
}

// TestMigrate7ReadsOlderBlocks writes a block as migration 4 laid it out
// and reads it through vitals_points_all before and after migration 7.
func TestMigrate7ReadsOlderBlocks(t *testing.T) {
	t.Parallel()
	pool, _ := xpPool(t)
	ctx := xpCtx(t)
	schema := xpSchema(t)
	n := pgschema.NewNames(schema)
	t.Cleanup(func() { _, _ = pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+n.Quoted+" CASCADE") })
	if err := migrateTo(ctx, pool, schema, time.Now(), 6); err != nil {
		t.Fatal(err)
	}
	day := compactTestDay()
	if err := createBlocksPartition(ctx, pool, n, day); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO `+n.Blocks+` (series_id, block_start, points, ts_step, ts_run_start,
		ts_run_len, total_delta, count, sum, min, max, mean_derived, stddev, rate1, rate5, rate15, rate_mean,
		bucket_len, bucket_idx2, bucket_cnt2)
		VALUES (3, $1, 3, 10000000, '{0,50000000}', '{2,1}', '{5,3,4}', '{2,1,0}', '{30,7,0}', '{10,7,NULL}',
		'{20,7,NULL}', true, '{5,0,NULL}', '{0.5,0.6,0.55}', '{0.1,0.2,0.3}', '{1,2,3}', '{0.25,0.3,0.35}',
		'{2,1,NULL}', '{100,110,105}', '{1,1,300}')`, day); err != nil {
		t.Fatal(err)
	}
	read := func() string {
		var s string
		if err := pool.QueryRow(ctx, "SELECT string_agg(p::text, E'\\n' ORDER BY ts) FROM "+n.PointsAll+" AS p").Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := read()
	if !strings.Contains(before, `"{100,110}","{1,1}"`) || strings.Count(before, "\n") != 2 {
		t.Fatalf("the block reads as\n%s", before)
	}
	if err := migrate(ctx, pool, schema); err != nil {
		t.Fatal(err)
	}
	if after := read(); after != before {
		t.Errorf("after migration 7 the block reads as\n%s\nwant\n%s", after, before)
	}
}
