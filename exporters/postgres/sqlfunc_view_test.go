package postgres

import (
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// TestNamedPointsView: a schema with points written before migration 3
// shows them in vitals_points_named once migrated, with their series;
// re-pointing the view at another source with the same columns (as the
// migration of blocks does) keeps its rows and its comments.
func TestNamedPointsView(t *testing.T) {
	t.Parallel()
	pool, _ := xpPool(t)
	ctx := xpCtx(t)
	schema := xpSchema(t)
	n := pgschema.NewNames(schema)
	now := time.Now()
	if err := migrateTo(ctx, pool, schema, now, 2); err != nil {
		t.Fatal(err)
	}
	ts := now.UTC().Truncate(10 * time.Second)
	if _, err := pool.Exec(ctx, `INSERT INTO `+n.Series+` (id, name, tags, kind, unit)
		VALUES (7, 'http.server', '{"host": "web01"}', 'timer', 'ns'), (8, 'jobs', '{}', 'counter', '')`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO `+n.Points+` (series_id, ts, total, count, p99)
		VALUES (7, $1, 10, 2, 1.5e6), (8, $1, 42, NULL, NULL)`, ts); err != nil {
		t.Fatal(err)
	}
	if err := migrateAt(ctx, pool, schema, now); err != nil {
		t.Fatal(err)
	}
	check := func(what string) {
		t.Helper()
		var name, host, kind, unit string
		var total int64
		var p99 float64
		var got time.Time
		if err := pool.QueryRow(ctx, `SELECT name, tags->>'host', kind, unit, total, p99, ts FROM `+n.Named+
			` WHERE tags @> '{"host": "web01"}'`).Scan(&name, &host, &kind, &unit, &total, &p99, &got); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if name != "http.server" || host != "web01" || kind != "timer" || unit != "ns" || total != 10 ||
			p99 != 1.5e6 || !got.Equal(ts) {
			t.Errorf("%s: %s %s %s %s %d %v %v", what, name, host, kind, unit, total, p99, got)
		}
		var rows, comments int
		if err := pool.QueryRow(ctx, `SELECT count(*), (SELECT count(col_description($1::regclass, attnum))
			FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0) FROM `+n.Named, n.Named).Scan(&rows, &comments); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if rows != 2 || comments != 4+len(pointsColumnComments) {
			t.Errorf("%s: %d rows, %d columns commented; want 2, %d", what, rows, comments, 4+len(pointsColumnComments))
		}
	}
	check("migrated")
	if _, err := pool.Exec(ctx, namedPointsViewSQL(n, "(SELECT * FROM "+n.Points+")")); err != nil {
		t.Fatalf("re-point the view: %v", err)
	}
	check("re-pointed")
}
