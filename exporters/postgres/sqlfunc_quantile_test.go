package postgres

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vitals-go/vitals/metrics"
)

// randomDistribution returns the distribution of random values of one of
// several shapes: latencies, small integers (whose octaves have empty
// buckets), values <= 0, one repeated value, values near math.MaxInt64,
// two clusters; its counts are sometimes scaled up to billions.
func randomDistribution(r *rand.Rand) metrics.Distribution {
	var value func() int64
	switch r.IntN(6) {
	case 0:
		value = func() int64 { return int64(math.Exp(math.Log(20e6) + r.NormFloat64())) }
	case 1:
		value = func() int64 { return r.Int64N(50) }
	case 2:
		value = func() int64 { return r.Int64N(2000) - 1000 }
	case 3:
		v := r.Int64N(1 << 40)
		value = func() int64 { return v }
	case 4:
		value = func() int64 { return math.MaxInt64 - r.Int64N(1<<61) }
	default:
		value = func() int64 { return (1 + 999*r.Int64N(2)) * (1000 + r.Int64N(100)) }
	}
	counts := map[int32]uint64{}
	d := metrics.Distribution{Min: math.MaxInt64, Max: math.MinInt64}
	for range 1 + r.IntN(2000) {
		v := value()
		counts[metrics.BucketIndex(v)]++
		d.Min, d.Max = min(d.Min, v), max(d.Max, v)
	}
	scale := uint64(1)
	if r.IntN(4) == 0 {
		scale = 1 + r.Uint64N(1e6)
	}
	for i, c := range counts {
		d.Buckets = append(d.Buckets, metrics.Bucket{Index: i, Count: c * scale})
		d.Count += int64(c * scale)
	}
	slices.SortFunc(d.Buckets, func(a, b metrics.Bucket) int { return int(a.Index - b.Index) })
	return d
}

// bucketArrays returns the buckets as the columns bucket_idx and
// bucket_cnt store them.
func bucketArrays(bs []metrics.Bucket) ([]int32, []int64) {
	idx, cnt := make([]int32, len(bs)), make([]int64, len(bs))
	for i, b := range bs {
		idx[i], cnt[i] = b.Index, int64(b.Count)
	}
	return idx, cnt
}

// scrambled returns the buckets as arrays in random order, each count
// split in two entries of the same index, and a zero count added.
func scrambled(r *rand.Rand, bs []metrics.Bucket) ([]int32, []int64) {
	var idx []int32
	var cnt []int64
	for _, b := range bs {
		half := r.Uint64N(b.Count + 1)
		idx, cnt = append(idx, b.Index, b.Index), append(cnt, int64(half), int64(b.Count-half))
	}
	idx, cnt = append(idx, 1000), append(cnt, 0)
	perm := r.Perm(len(idx))
	si, sc := make([]int32, len(idx)), make([]int64, len(idx))
	for i, p := range perm {
		si[i], sc[i] = idx[p], cnt[p]
	}
	return si, sc
}

// testQuantiles are the q the quantile tests ask for: the edges, the
// usual percentiles, values outside [0, 1], and NaN.
var testQuantiles = []float64{0, 1e-9, 0.001, 0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999, 1,
	-1, 2, math.NaN(), math.Inf(1), math.Inf(-1)}

// TestSQLQuantile: on random distributions and every q of testQuantiles
// plus random ones, vitals_quantile with min and max is
// metrics.Distribution.Quantile, from stored (sorted) buckets and from
// scrambled ones; without them it is the unclamped quantile.
func TestSQLQuantile(t *testing.T) {
	t.Parallel()
	pool, _ := xpSQLSchema(t)
	ctx := xpCtx(t)
	r := rand.New(rand.NewPCG(14, 3))
	const n = 300
	dists := make([]metrics.Distribution, n)
	qs := make([][]float64, n)
	batch := &pgx.Batch{}
	for i := range dists {
		d := randomDistribution(r)
		dists[i] = d
		qs[i] = append(slices.Clone(testQuantiles), r.Float64(), r.Float64())
		idx, cnt := bucketArrays(d.Buckets)
		sidx, scnt := scrambled(r, d.Buckets)
		batch.Queue(`SELECT vitals_quantile($1, $2, q, $3, $4), vitals_quantile($1, $2, q),
				vitals_quantile($5, $6, q, $3, $4), vitals_quantile(ROW($5, $6)::vitals_buckets, q, $3, $4)
			FROM unnest($7::float8[]) WITH ORDINALITY AS u(q, o) ORDER BY o`,
			idx, cnt, d.Min, d.Max, sidx, scnt, qs[i])
	}
	results := pool.SendBatch(ctx, batch)
	defer results.Close()
	checked := 0
	for i, d := range dists {
		rows, err := results.Query()
		if err != nil {
			t.Fatal(err)
		}
		unclamped := d
		unclamped.Min, unclamped.Max = math.MinInt64, math.MaxInt64
		k := 0
		for rows.Next() {
			var clamped, free, fromScrambled, fromType float64
			if err := rows.Scan(&clamped, &free, &fromScrambled, &fromType); err != nil {
				t.Fatal(err)
			}
			q := qs[i][k]
			k++
			want := d.Quantile(q)
			if clamped != want || fromScrambled != want || fromType != want {
				t.Errorf("distribution %d (%d buckets, min %d, max %d), q=%v: SQL %v, from scrambled buckets %v, "+
					"from vitals_buckets %v; Go %v", i, len(d.Buckets), d.Min, d.Max, q, clamped, fromScrambled, fromType, want)
			}
			wantFree := unclamped.Quantile(q)
			switch {
			case !(q > 0):
				wantFree = bucketValue(d.Buckets[0].Index)
			case q >= 1:
				wantFree = bucketValue(d.Buckets[len(d.Buckets)-1].Index)
			}
			if free != wantFree {
				t.Errorf("distribution %d, q=%v: SQL without min and max %v, want %v", i, q, free, wantFree)
			}
			checked++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if k != len(qs[i]) {
			t.Fatalf("distribution %d: %d rows, want %d", i, k, len(qs[i]))
		}
	}
	t.Logf("%d quantiles of %d distributions checked", checked, n)
}

// TestSQLQuantileEdges: NULL and empty input give NULL; indexes outside
// 0..2239 count as the nearest valid one, as in metrics.Merger; bad
// input is an error with SQLSTATE 22023.
func TestSQLQuantileEdges(t *testing.T) {
	t.Parallel()
	pool, _ := xpSQLSchema(t)
	ctx := xpCtx(t)
	for _, query := range []string{
		`SELECT vitals_quantile(NULL, '{1}', 0.5)`,
		`SELECT vitals_quantile('{700}', NULL, 0.5)`,
		`SELECT vitals_quantile('{700}', '{1}', NULL::float8)`,
		`SELECT vitals_quantile('{}', '{}', 0.5)`,
		`SELECT vitals_quantile('{700,800}', '{0,0}', 0.5, 1, 2)`,
		`SELECT vitals_quantile(NULL::vitals_buckets, 0.5)`,
		`SELECT vitals_quantile(vitals_merge_buckets(i, c), 0.5) FROM (VALUES (NULL::int[], NULL::bigint[])) AS v(i, c)`,
		`SELECT vitals_quantile(vitals_merge_buckets(i, c), 0.5) FROM (VALUES ('{}'::int[], '{}'::bigint[])) AS v(i, c)`,
		`SELECT vitals_quantile(vitals_merge_buckets(i, c), 0.5) FROM (VALUES ('{1}'::int[], '{1}'::bigint[])) AS v(i, c) WHERE false`,
	} {
		var got *float64
		if err := pool.QueryRow(ctx, query).Scan(&got); err != nil || got != nil {
			t.Errorf("%s = %v, %v; want NULL", query, got, err)
		}
	}
	for query, want := range map[string]float64{
		`SELECT vitals_quantile('{-5,3000}', '{1,1}', 0.5)`:     bucketValue(0),
		`SELECT vitals_quantile('{-5,3000}', '{1,1}', 0.9)`:     bucketValue(2239),
		`SELECT vitals_quantile('[0:1]={700,701}', '{1,1}', 1)`: bucketValue(701),
		`SELECT vitals_quantile('{700,701}', '[5:6]={1,1}', 0)`: bucketValue(700),
	} {
		var got float64
		if err := pool.QueryRow(ctx, query).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %v, %v; want %v", query, got, err, want)
		}
	}
	for _, query := range []string{
		`SELECT vitals_quantile('{700,701}', '{1}', 0.5)`,
		`SELECT vitals_quantile('{{700,701}}', '{{1,1}}', 0.5)`,
		`SELECT vitals_quantile('{700,NULL}', '{1,1}', 0.5)`,
		`SELECT vitals_quantile('{700,701}', '{1,NULL}', 0.5)`,
		`SELECT vitals_quantile('{700,701}', '{1,-1}', 0.5)`,
		`SELECT vitals_merge_buckets(i, c) FROM (VALUES ('{1}'::int[], '{-1}'::bigint[])) AS v(i, c)`,
	} {
		var got any
		err := pool.QueryRow(ctx, query).Scan(&got)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "22023" || !strings.HasPrefix(pgErr.Message, "vitals: ") {
			t.Errorf("%s = %v, %v; want an error with SQLSTATE 22023", query, got, err)
		}
	}
}

// TestSQLMergeBuckets: vitals_merge_buckets over the rows of random
// groups of random distributions (some empty, with NULL buckets as
// stored) gives exactly metrics.Merger's buckets, and vitals_quantile of
// them, with min(min) and max(max), the merged distribution's quantiles;
// also in a parallel plan, where the combine function merges the
// workers' states.
func TestSQLMergeBuckets(t *testing.T) {
	t.Parallel()
	pool, n := xpSQLSchema(t)
	ctx := xpCtx(t)
	if _, err := pool.Exec(ctx, `CREATE TABLE merge_rows (grp int, bucket_idx int[], bucket_cnt bigint[], min bigint, max bigint)`); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(14, 4))
	const groups = 40
	var merged [groups]metrics.Merger
	var rows [][]any
	for g := range groups {
		for range 1 + r.IntN(60) {
			if r.IntN(10) == 0 { // an interval that recorded nothing
				rows = append(rows, []any{g, nil, nil, nil, nil})
				continue
			}
			d := randomDistribution(r)
			merged[g].Add(d)
			idx, cnt := bucketArrays(d.Buckets)
			rows = append(rows, []any{g, idx, cnt, d.Min, d.Max})
		}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{n.Schema, "merge_rows"},
		[]string{"grp", "bucket_idx", "bucket_cnt", "min", "max"}, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	qs := []float64{0, 0.5, 0.99, 0.999, 1}
	const query = `SELECT grp, (b).idx, (b).cnt, array(SELECT vitals_quantile(b, q, lo, hi)
			FROM unnest($1::float8[]) WITH ORDINALITY AS u(q, o) ORDER BY o)
		FROM (SELECT grp, vitals_merge_buckets(bucket_idx, bucket_cnt) AS b, min(min) AS lo, max(max) AS hi
			FROM merge_rows GROUP BY grp) AS m ORDER BY grp`
	check := func(t *testing.T, tx pgx.Tx) {
		got, err := tx.Query(ctx, query, qs)
		if err != nil {
			t.Fatal(err)
		}
		g := 0
		for got.Next() {
			var grp int
			var idx []int32
			var cnt []int64
			var quantiles []float64
			if err := got.Scan(&grp, &idx, &cnt, &quantiles); err != nil {
				t.Fatal(err)
			}
			d := merged[grp].Distribution()
			wantIdx, wantCnt := bucketArrays(d.Buckets)
			if grp != g || !slices.Equal(idx, wantIdx) || !slices.Equal(cnt, wantCnt) {
				t.Errorf("group %d (row %d): merged buckets\n%v\n%v\nwant\n%v\n%v", grp, g, idx, cnt, wantIdx, wantCnt)
			}
			for k, q := range qs {
				if want := d.Quantile(q); quantiles[k] != want {
					t.Errorf("group %d, q=%v: %v, want %v", grp, q, quantiles[k], want)
				}
			}
			g++
		}
		if err := got.Err(); err != nil {
			t.Fatal(err)
		}
		if g != groups {
			t.Fatalf("%d groups, want %d", g, groups)
		}
	}
	t.Run("serial", func(t *testing.T) {
		if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SET LOCAL max_parallel_workers_per_gather = 0"); err != nil {
				return err
			}
			check(t, tx)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("parallel", func(t *testing.T) {
		if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			for _, set := range []string{"parallel_setup_cost = 0", "parallel_tuple_cost = 0",
				"min_parallel_table_scan_size = 0", "max_parallel_workers_per_gather = 2"} {
				if _, err := tx.Exec(ctx, "SET LOCAL "+set); err != nil {
					return err
				}
			}
			rows, err := tx.Query(ctx, "EXPLAIN "+query, qs)
			if err != nil {
				return err
			}
			plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			if text := strings.Join(plan, "\n"); !strings.Contains(text, "Partial") {
				t.Fatalf("the plan does not aggregate in parallel:\n%s", text)
			}
			check(t, tx)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}
