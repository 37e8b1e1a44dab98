package postgres

import (
	"math"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/metrics"
)

// bucketValue returns the value that metrics' quantiles give for bucket
// i: the quantile of one value in it, unclamped.
func bucketValue(i int32) float64 {
	d := metrics.Distribution{Count: 1, Min: math.MinInt64, Max: math.MaxInt64,
		Buckets: []metrics.Bucket{{Index: i, Count: 1}}}
	return d.Quantile(0.5)
}

// TestSQLBucketBounds: for every index, and one past each end, the SQL
// bounds are exactly metrics.BucketBounds and the SQL value is exactly the
// one metrics' quantiles use.
func TestSQLBucketBounds(t *testing.T) {
	t.Parallel()
	pool, _ := xpSQLSchema(t)
	ctx := xpCtx(t)
	rows, err := pool.Query(ctx, `SELECT i, vitals_bucket_lower(i), vitals_bucket_upper(i), vitals_bucket_value(i)
		FROM generate_series(-1, 2240) AS i ORDER BY i`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var i int32
		var lower, upper, value float64
		if err := rows.Scan(&i, &lower, &upper, &value); err != nil {
			t.Fatal(err)
		}
		seen++
		wantLower, wantUpper := metrics.BucketBounds(i)
		same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
		if !same(lower, wantLower) || !same(upper, wantUpper) {
			t.Errorf("index %d: SQL bounds [%v, %v), metrics.BucketBounds [%v, %v)", i, lower, upper, wantLower, wantUpper)
		}
		if want := bucketValue(i); value != want {
			t.Errorf("index %d: vitals_bucket_value = %v, metrics' quantile %v", i, value, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen != 2242 {
		t.Fatalf("%d rows, want 2242", seen)
	}
	var null bool
	if err := pool.QueryRow(ctx, `SELECT vitals_bucket_lower(NULL) IS NULL AND vitals_bucket_upper(NULL) IS NULL
		AND vitals_bucket_value(NULL) IS NULL`).Scan(&null); err != nil || !null {
		t.Errorf("the bucket functions of NULL: NULL is %v, %v; want true", null, err)
	}
}

// TestSQLBucketFunctionsInline: the bucket functions and vitals_increase
// are inlined into the query that calls them, so that a call costs its
// arithmetic only.
func TestSQLBucketFunctionsInline(t *testing.T) {
	t.Parallel()
	pool, _ := xpSQLSchema(t)
	plan := explain(t, pool, `SELECT vitals_bucket_lower(i), vitals_bucket_upper(i), vitals_bucket_value(i),
		vitals_increase(i, 3) FROM generate_series(1, 2) AS i`)
	if strings.Contains(plan, "vitals_") {
		t.Errorf("a function is called, not inlined:\n%s", plan)
	}
	if !strings.Contains(plan, "power(") {
		t.Errorf("the plan does not compute the bounds:\n%s", plan)
	}
}

// explain returns the verbose plan of query.
func explain(t testing.TB, pool *pgxpool.Pool, query string) string {
	t.Helper()
	rows, err := pool.Query(xpCtx(t), "EXPLAIN (VERBOSE) "+query)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
