package postgres

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

// goroutinesIn counts the goroutines whose stack mentions any of marks.
func goroutinesIn(marks ...string) int {
	count := 0
	for _, g := range testkit.Stacks() {
		for _, m := range marks {
			if strings.Contains(g, m) {
				count++
				break
			}
		}
	}
	return count
}

// TestShutdownLeavesNoGoroutines: after Shutdown, neither the maintenance
// nor the connection pool leaves a goroutine behind. Not parallel, so that
// other tests' pools do not come and go meanwhile.
func TestShutdownLeavesNoGoroutines(t *testing.T) {
	marks := []string{"exporters/postgres.(*Exporter).maintain", "pgxpool", "puddle"}
	_, srv := xpPool(t)
	before := goroutinesIn(marks...) // the test's own pool included
	e, err := New(context.Background(), Config{URL: srv.URL, Schema: xpSchema(t), MaintenanceInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	snap := metrics.Snapshot{Time: time.Now(), Series: []metrics.Series{{Name: "c", Kind: metrics.KindCounter, Count: 1}}}
	if err := e.Export(context.Background(), snap); err != nil {
		t.Fatal(err)
	}
	if goroutinesIn(marks[0]) != 1 {
		t.Fatal("no maintenance goroutine while running")
	}
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for goroutinesIn(marks...) > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines of the exporter or its pool left after Shutdown (%d before New)", goroutinesIn(marks...), before)
		}
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond)
	}
}
