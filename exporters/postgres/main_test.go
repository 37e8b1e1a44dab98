package postgres

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

var xpSchemaSeq atomic.Int64

// xpSchema returns a schema name unique to this test and run,
// "t_<name>_<nanos>"; it does not create it.
func xpSchema(t testing.TB) string {
	t.Helper()
	name := strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "_"))
	if len(name) > 30 {
		name = name[:30]
	}
	return fmt.Sprintf("t_%s_%d_%d", name, time.Now().UnixNano(), xpSchemaSeq.Add(1))
}

// xpPool connects to the test server; the pool is closed at cleanup.
func xpPool(t testing.TB) (*pgxpool.Pool, *testenv.PostgresServer) {
	t.Helper()
	srv := testenv.Postgres(t)
	pool, err := pgxpool.New(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool, srv
}

// xpCtx is a test's context, bounded well under the 60 s budget.
func xpCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	t.Cleanup(cancel)
	return ctx
}
