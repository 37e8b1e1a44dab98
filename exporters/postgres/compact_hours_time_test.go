package postgres

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/metrics"
)

// compactHoursEnv, set to a number of series (say 10000), runs
// TestCompactionHoursTime, which takes about half an hour for 10,000:
//
//	VITALS_COMPACT_HOURS=10000 go test -run TestCompactionHoursTime -v -timeout 90m ./exporters/postgres/
const compactHoursEnv = "VITALS_COMPACT_HOURS"

// TestCompactionHoursTime times the compaction of a day as the
// maintenance spreads it: a day of the soak mix (200 series) is written,
// then copied under new ids, an hour at a time, until it holds the number
// of series in compactHoursEnv, into a partition where each hour is
// compacted into blocks once the first 10 minutes of the next one are
// written (defaultCompactAfter), as in a running schema, taking the windows
// the maintenance would find (the hour, the last one too once the day has
// closed). It prints the time of each hour's compaction and the server's
// CPU time meanwhile, and the bytes per point of the day's blocks.
func TestCompactionHoursTime(t *testing.T) {
	series, _ := strconv.Atoi(os.Getenv(compactHoursEnv))
	if series <= 0 {
		t.Skipf("set %s to a number of series to run it (it takes half an hour for 10,000)", compactHoursEnv)
	}
	ctx := context.Background()
	srv := testenv.Postgres(t)
	day := dayOf(time.Now()).AddDate(0, 0, -3)
	src := fmt.Sprintf("compact_hours_%d", time.Now().UnixNano())
	dropSchemaAtCleanup(t, srv.URL, src)
	e, err := New(ctx, Config{URL: srv.URL, Schema: src, CompactAfter: -1,
		Retention: 100 * 365 * 24 * time.Hour, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	exportFakeDay(t, e, day, func(reg *metrics.Registry) workload { return soakWorkload(reg, 200) })
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	c := scaleSchema(t, srv.URL, day)
	cpu, err := newServerCPU(ctx, c.pool)
	if err != nil {
		t.Fatal(err)
	}
	copies := (series + 199) / 200
	// timed runs f and returns its duration and the server's CPU time.
	timed := func(f func() (CompactStats, error)) (CompactStats, time.Duration, time.Duration) {
		before, err := cpu.used()
		if err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		st, err := f()
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(began)
		after, err := cpu.used()
		if err != nil {
			t.Fatal(err)
		}
		return st, took, after - before
	}
	var hours []time.Duration
	var points int
	var last time.Duration // the compaction of hour 23, once the day has closed
	copied := day
	for h := range 24 {
		w := hourWindow(day.Add(time.Duration(h) * time.Hour))
		upTo := w.to.Add(defaultCompactAfter)
		if h == 23 {
			upTo = w.to
		}
		copyRows(t, c, src, day, copied, upTo, copies)
		copied = upTo
		// The windows the maintenance finds once the hour has closed for
		// CompactAfter: the hour.
		ws, _, err := c.due(ctx, w.to.Add(c.after))
		if err != nil || len(ws) != 1 || !ws[0].from.Equal(w.from) || !ws[0].to.Equal(w.to) {
			t.Fatalf("due after hour %d: %v, %v; want the hour", h, ws, err)
		}
		st, took, server := timed(func() (CompactStats, error) { return c.sumWindows(ctx, day, ws) })
		var size int64
		if err := c.pool.QueryRow(ctx, "SELECT pg_relation_size($1)", pointsPartition(c.n, day)).Scan(&size); err != nil {
			t.Fatal(err)
		}
		t.Logf("hour %2d: %d series, %d points in %v (%.0f points/s), server CPU %v; the partition holds %d MB",
			h, st.Series, st.Points, took.Round(time.Millisecond), float64(st.Points)/took.Seconds(),
			server.Round(time.Millisecond), size>>20)
		hours = append(hours, took)
		points += st.Points
		last = took
	}
	blockBytes := blocksSize(t, c, day)
	slices.Sort(hours)
	var sum time.Duration
	for _, d := range hours {
		sum += d
	}
	t.Logf("%d series, %d points: 24 hours compacted in %v (median %v, max %v); the last, once the day has closed, in %v; "+
		"blocks: %d MB, %.2f B/point", copies*200, points, sum.Round(time.Second), hours[12].Round(time.Millisecond),
		hours[23].Round(time.Millisecond), last.Round(time.Millisecond), blockBytes>>20, float64(blockBytes)/float64(points))
}

// blocksSize returns the size of day's partition of vitals_blocks, TOAST
// and indexes included.
func blocksSize(t *testing.T, c *compactor, day time.Time) int64 {
	var n int64
	if err := c.pool.QueryRow(context.Background(), "SELECT pg_total_relation_size($1)", blocksPartition(c.n, day)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
