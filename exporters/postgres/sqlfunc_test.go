package postgres

import (
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// xpSQLSchema migrates a fresh schema of the test server and returns a
// pool whose connections have it on their search_path, so that tests
// call the functions unqualified, as a person does, and the schema's
// names.
func xpSQLSchema(t testing.TB) (*pgxpool.Pool, pgschema.Names) {
	t.Helper()
	admin, srv := xpPool(t)
	ctx := xpCtx(t)
	schema := xpSchema(t)
	if err := migrate(ctx, admin, schema); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	cfg, err := pgxpool.ParseConfig(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{schema}.Sanitize()
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool, pgschema.NewNames(schema)
}

// TestSQLString: quotes are doubled, nothing else changes.
func TestSQLString(t *testing.T) {
	for in, want := range map[string]string{"": "''", "it's": "'it''s'", `a"b\c$$`: `'a"b\c$$'`, "''": "''''''"} {
		if got := sqlString(in); got != want {
			t.Errorf("sqlString(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestSQLFunctionsAnySchema: the functions work in a schema whose name
// needs quoting and would end a dollar-quoted body, called from a session
// that does not have it on its search_path.
func TestSQLFunctionsAnySchema(t *testing.T) {
	t.Parallel()
	pool, _ := xpPool(t)
	ctx := xpCtx(t)
	schema := xpSchema(t) + `_we"ird $$ 'x'`
	if err := migrate(ctx, pool, schema); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	n := pgschema.NewNames(schema)
	var p99 float64
	err := pool.QueryRow(ctx, "SELECT "+n.Qualified(pgschema.FuncQuantile)+"("+n.Qualified(pgschema.AggMergeBuckets)+
		"(i, c), 0.99) FROM (VALUES ('{700}'::int[], '{1}'::bigint[]), ('{701}', '{1}')) AS v(i, c)").Scan(&p99)
	if err != nil {
		t.Fatal(err)
	}
	if want := bucketValue(701); p99 != want {
		t.Errorf("p99 = %v, want %v", p99, want)
	}
}
