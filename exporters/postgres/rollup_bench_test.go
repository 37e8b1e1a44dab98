package postgres

import (
	"fmt"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/pgschema"
	"github.com/vitals-go/vitals/metrics"
)

// BenchmarkRollupMinute measures one maintenance run that rolls up a
// minute of 10,000 series (2,000 each of a timer, a counter, a gauge, a
// meter and a histogram without buckets, 6 flushes: 60,000 points), and
// checks the last minutes for late points: what the maintenance of a fleet
// of that size does every minute.
//
//	go test -run '^$' -bench BenchmarkRollupMinute -benchtime 5x ./exporters/postgres/
func BenchmarkRollupMinute(b *testing.B) {
	rt, minute := benchRollupMinute(b)
	ctx, pool := xpCtx(b), rt.pool
	r := rt.n.Rollups()
	var rows int
	for b.Loop() {
		b.StopTimer()
		// Everything before minute rolled up, nothing after.
		covered := span{dayOf(minute), minute}
		if _, err := pool.Exec(ctx, "TRUNCATE "+r.M1+", "+r.H1+", "+rollupDirtyName(rt.n)); err != nil { // no minute marked late
			b.Fatal(err)
		}
		for _, level := range []struct {
			name string
			s    span
		}{{pgschema.Level1m, covered}, {pgschema.Level1h, hoursOf(covered)}} {
			if _, err := pool.Exec(ctx, "UPDATE "+r.State+" SET rolled_from = $2, rolled_to = $3, checked_at = NULL WHERE level = $1",
				level.name, level.s.from, level.s.to); err != nil {
				b.Fatal(err)
			}
		}
		rt.setNow(minute.Add(time.Minute + rollupDelay))
		b.StartTimer()
		if err := rt.r.maintain(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+r.M1).Scan(&rows); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	if rows != 10000 {
		b.Fatalf("%d minute rows, want 10,000", rows)
	}
	b.ReportMetric(60000, "points/op")
}

// benchRollupMinute writes the minute of BenchmarkRollupMinute, 10 minutes
// ago, and returns it.
func benchRollupMinute(b *testing.B) (*rollupTester, time.Time) {
	e, pool := xpNew(b, Config{MaintenanceInterval: time.Hour, Timeout: time.Minute})
	rt := &rollupTester{e: e, pool: pool, n: e.n}
	rt.r = rt.rollups(pool)
	minute := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	for f := range 6 {
		var series []metrics.Series
		for h := range 2000 {
			for _, s := range mixSeries(f*7 + h) {
				s.Tags = []metrics.Tag{{Key: "shard", Value: fmt.Sprint(h)}}
				series = append(series, s)
			}
		}
		if err := e.Export(xpCtx(b), metricsSnapshot(minute.Add(time.Duration(f)*10*time.Second), series)); err != nil {
			b.Fatal(err)
		}
	}
	return rt, minute
}
