package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkExportLate measures what marking a late snapshot's minute for
// the rollups costs Export (see rollup_mark.go): flushes of n series 10 s
// apart, written on time (recent), or two hours late as a disk spool
// replays them (late: one more statement after the COPY).
func BenchmarkExportLate(b *testing.B) {
	for _, n := range []int{200, 10_000} {
		for _, late := range []bool{false, true} {
			name := fmt.Sprintf("series=%d/recent", n)
			if late {
				name = fmt.Sprintf("series=%d/late", n)
			}
			b.Run(name, func(b *testing.B) {
				e, pool := xpNew(b, Config{Timeout: time.Minute})
				ctx := context.Background()
				snap := benchSnapshot(n)
				if late {
					snap.Time = snap.Time.Add(-2 * time.Hour)
				}
				if err := e.Export(ctx, snap); err != nil { // stores the series
					b.Fatal(err)
				}
				cpu := startCPU(b, pool)
				b.ReportAllocs()
				for b.Loop() {
					snap.Time = snap.Time.Add(10 * time.Second)
					if err := e.Export(ctx, snap); err != nil {
						b.Fatal(err)
					}
				}
				cpu.report(n * b.N)
			})
		}
	}
}

// BenchmarkRollupRedoMinute measures the maintenance run that rolls up
// again a minute of 10,000 series (60,000 points, as in
// BenchmarkRollupMinute) marked late, its hour with it: what each minute
// of a disk spool's replay costs the maintenance, once.
//
//	go test -run '^$' -bench BenchmarkRollupRedoMinute -benchtime 5x ./exporters/postgres/
func BenchmarkRollupRedoMinute(b *testing.B) {
	rt, minute := benchRollupMinute(b)
	ctx := xpCtx(b)
	now := minute.Add(time.Hour + time.Minute) // the minute's hour is rolled up too
	rt.setNow(now)
	if err := rt.r.maintain(ctx); err != nil {
		b.Fatal(err)
	}
	rt.r.every = time.Hour // the runs measured do not check for late points
	for b.Loop() {
		b.StopTimer()
		if _, err := rt.pool.Exec(ctx, rollupMarkSQL(rt.n), minute); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := rt.r.maintain(ctx); err != nil {
			b.Fatal(err)
		}
	}
	if marked := rt.marked(b); len(marked) > 0 {
		b.Fatalf("marked minutes %v after the run, want none", marked)
	}
	b.ReportMetric(60000, "points/op")
}
