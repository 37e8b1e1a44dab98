package postgres

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/metrics"
)

// compactTimeEnv, set to a number of series (say 600), runs
// TestCompactionTime, a quicker TestCompactionFigures (about a minute for
// 600 series) for timing the bulk compaction only:
//
//	VITALS_COMPACT_TIME=600 go test -run TestCompactionTime -v -timeout 30m ./exporters/postgres/
const compactTimeEnv = "VITALS_COMPACT_TIME"

// TestCompactionTime writes a day of the soak mix (200 series), copies it
// under new ids until it holds the number of series in compactTimeEnv, and
// prints how long compacting that day takes and the server's CPU time
// meanwhile.
func TestCompactionTime(t *testing.T) {
	series, _ := strconv.Atoi(os.Getenv(compactTimeEnv))
	if series <= 0 {
		t.Skipf("set %s to a number of series to run it (it takes a minute or more)", compactTimeEnv)
	}
	srv := testenv.Postgres(t)
	day := dayOf(time.Now()).AddDate(0, 0, -3)
	schema := fmt.Sprintf("compact_time_%d", time.Now().UnixNano())
	dropSchemaAtCleanup(t, srv.URL, schema)
	e, err := New(context.Background(), Config{URL: srv.URL, Schema: schema, CompactAfter: -1,
		Retention: 100 * 365 * 24 * time.Hour, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	exportFakeDay(t, e, day, func(reg *metrics.Registry) workload { return soakWorkload(reg, 200) })
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	scale := copyDay(t, srv.URL, schema, day, series)
	cpu, err := newServerCPU(context.Background(), figuresCompactor(t, srv.URL, scale).pool)
	if err != nil {
		t.Fatal(err)
	}
	before, err := cpu.used()
	if err != nil {
		t.Fatal(err)
	}
	timeCompaction(t, srv.URL, scale, day)
	after, err := cpu.used()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("server CPU time during the compaction: %v", (after - before).Round(time.Millisecond))
}
