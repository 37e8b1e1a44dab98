package postgres

import (
	"sync"
	"testing"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// TestMigrateConcurrent runs migrate from many connections at once on a
// fresh schema: each succeeds and each migration is applied exactly once.
func TestMigrateConcurrent(t *testing.T) {
	t.Parallel()
	pool, _ := xpPool(t)
	ctx := xpCtx(t)
	schema := xpSchema(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = migrate(ctx, pool, schema) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("migrate %d: %v", i, err)
		}
	}
	var rows, version int
	if err := pool.QueryRow(ctx, "SELECT count(*), max(version) FROM "+pgschema.NewNames(schema).Version).Scan(&rows, &version); err != nil {
		t.Fatal(err)
	}
	if rows != len(migrations) || version != len(migrations) {
		t.Fatalf("%d version rows, version %d; want %d rows, version %d", rows, version, len(migrations), len(migrations))
	}
}
