package postgres

import (
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestSchemaIsCommented: after every migration, each table, view and
// composite type of the schema, each of their columns, and each function
// and aggregate has a COMMENT, so that \d+ in psql says what it holds.
// Partitions are left out: their columns are their parent's.
func TestSchemaIsCommented(t *testing.T) {
	t.Parallel()
	pool, _ := xpPool(t)
	ctx := xpCtx(t)
	schema := xpSchema(t)
	if err := migrate(ctx, pool, schema); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `
		WITH s AS (SELECT oid FROM pg_namespace WHERE nspname = $1)
		SELECT 'relation ' || c.relname FROM pg_class c, s
		WHERE c.relnamespace = s.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
			AND obj_description(c.oid, 'pg_class') IS NULL
		UNION ALL
		SELECT 'type ' || t.typname FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid, s
		WHERE t.typnamespace = s.oid AND c.relkind = 'c' AND obj_description(t.oid, 'pg_type') IS NULL
		UNION ALL
		SELECT 'column ' || c.relname || '.' || a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid, s
		WHERE c.relnamespace = s.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c') AND NOT c.relispartition
			AND a.attnum > 0 AND NOT a.attisdropped AND col_description(c.oid, a.attnum) IS NULL
		UNION ALL
		SELECT 'function ' || p.oid::regprocedure FROM pg_proc p, s
		WHERE p.pronamespace = s.oid AND obj_description(p.oid, 'pg_proc') IS NULL
		ORDER BY 1`, schema)
	if err != nil {
		t.Fatal(err)
	}
	missing, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range missing {
		t.Errorf("no COMMENT on %s", m)
	}
	var commented int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_description d JOIN pg_class c ON c.oid = d.objoid
		WHERE d.classoid = 'pg_class'::regclass AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)`,
		schema).Scan(&commented); err != nil {
		t.Fatal(err)
	}
	if commented < 60 {
		t.Errorf("%d comments on the relations and their columns; the check above looked at too little", commented)
	}
}
