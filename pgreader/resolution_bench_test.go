package pgreader

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/exporters/postgres"
	"github.com/vitals-go/vitals/internal/pgschema"
	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/metrics"
)

// BenchmarkRange30Days reads 30 days of one timer, flushed every 10 s
// (259,200 points written through the real Exporter, by 4 exporters each
// writing a quarter of the days; about 86 buckets a point), at 300 points
// (3-hour steps): first from the points alone ("points"), then once an
// Exporter's maintenance has rolled them up and compacted the days that
// ended ("rollups"; "rollups-to-now" ends the range now, so that its last
// minutes are read from the points). VITALS_BENCH_DAYS sets another
// number of days.
//
//	go test -run '^$' -bench BenchmarkRange30Days -benchtime 10x ./pgreader/
func BenchmarkRange30Days(b *testing.B) {
	days := 30
	if s := os.Getenv("VITALS_BENCH_DAYS"); s != "" {
		var err error
		if days, err = strconv.Atoi(s); err != nil || days < 1 {
			b.Fatalf("VITALS_BENCH_DAYS=%q: want a number of days", s)
		}
	}
	srv := testenv.Postgres(b)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	schema := fmt.Sprintf("bench_range_%d", time.Now().UnixNano())
	n := pgschema.NewNames(schema)
	defer func() { _, _ = pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+n.Quoted+" CASCADE") }()
	cfg := postgres.Config{URL: srv.URL, Schema: schema, Retention: time.Duration(days+2) * 24 * time.Hour,
		MaintenanceInterval: time.Hour, Logger: slog.New(slog.DiscardHandler)}

	to := time.Now().UTC().Truncate(10 * time.Second).Add(-2 * time.Minute)
	from := to.Add(-time.Duration(days) * 24 * time.Hour)
	flushes := int(to.Sub(from) / (10 * time.Second))
	start := time.Now()
	writeTimer(b, cfg, from, flushes, 4)
	b.Logf("wrote %d points of one timer through 4 exporters in %v (%.0f points/s)",
		flushes, time.Since(start).Round(time.Millisecond), float64(flushes)/time.Since(start).Seconds())

	// Forget what the exporters' maintenance rolled up while they wrote
	// (their points were late for it), so that the first reads see the
	// points alone.
	r := n.Rollups()
	for _, stmt := range []string{"TRUNCATE " + r.M1 + ", " + r.H1,
		"UPDATE " + r.State + " SET rolled_from = date_trunc('hour', now()), rolled_to = date_trunc('hour', now()), checked_at = NULL"} {
		if _, err := pool.Exec(ctx, stmt); err != nil {
			b.Fatal(err)
		}
	}
	rd, err := New(ctx, Config{URL: srv.URL, Schema: schema})
	if err != nil {
		b.Fatal(err)
	}
	defer rd.Close()
	q := RangeQuery{Name: "api.latency", From: from, To: to, MaxPoints: 300}
	var fromPoints []RangePoint
	b.Run("points", func(b *testing.B) {
		for b.Loop() {
			if fromPoints, err = rd.Range(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
	})

	start = time.Now()
	cfg.MaintenanceInterval = 50 * time.Millisecond
	exp, err := postgres.New(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	for {
		var lo, hi time.Time
		if err := pool.QueryRow(ctx, "SELECT rolled_from, rolled_to FROM "+r.State+" WHERE level = '1m'").Scan(&lo, &hi); err != nil {
			b.Fatal(err)
		}
		var raw bool
		if err := pool.QueryRow(ctx, "SELECT EXISTS (SELECT FROM "+n.Points+" WHERE ts < date_trunc('day', now(), 'UTC') - interval '1 day')").Scan(&raw); err != nil {
			b.Fatal(err)
		}
		if !lo.After(from) && !hi.Before(to) && !raw {
			break
		}
		if time.Since(start) > 20*time.Minute {
			b.Fatalf("after %v, the rollups cover [%v, %v), and days before yesterday have points not compacted: %v", time.Since(start), lo, hi, raw)
		}
		time.Sleep(50 * time.Millisecond) // the maintenance is in another goroutine, and its progress in the database
	}
	if err := exp.Shutdown(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("rolled up and compacted %d days in %v", days, time.Since(start).Round(time.Millisecond))

	// The rollup sub-benchmarks read once before they are timed: a
	// connection prepares a statement at its first use.
	b.Run("rollups", func(b *testing.B) {
		points, err := rd.Range(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if points, err = rd.Range(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(points)), "points")
		if len(points) != len(fromPoints) {
			b.Fatalf("%d points from the rollups, %d from the points", len(points), len(fromPoints))
		}
		for i, p := range points {
			w := fromPoints[i]
			if p.Count != w.Count || p.Sum != w.Sum || p.Max != w.Max || p.P99 != w.P99 || math.Abs(p.StdDev-w.StdDev) > 1e-9*w.StdDev {
				b.Fatalf("point %d: %+v from the rollups, %+v from the points", i, p, w)
			}
		}
	})
	toNow := q
	toNow.To = time.Now()
	b.Run("rollups-to-now", func(b *testing.B) {
		if _, err := rd.Range(ctx, toNow); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := rd.Range(ctx, toNow); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// writeTimer writes flushes snapshots of one timer, 10 s apart from from,
// through writers Exporters, each writing a contiguous share in order.
func writeTimer(b *testing.B, cfg postgres.Config, from time.Time, flushes, writers int) {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		lo, hi := flushes*w/writers, flushes*(w+1)/writers
		wg.Go(func() {
			exp, err := postgres.New(context.Background(), cfg)
			if err != nil {
				errs <- err
				return
			}
			defer func() { _ = exp.Shutdown(context.Background()) }()
			seed := uint64(lo) + 1
			var total int64
			for i := lo; i < hi; i++ {
				var values []int64
				for range 80 + i%40 {
					seed = seed*6364136223846793005 + 1442695040888963407
					// Latencies of 0.2 ms to about 200 ms, log-uniform.
					values = append(values, int64(200e3*math.Exp(float64(seed>>40)/float64(1<<24)*6.9)))
				}
				d := dist(values...)
				total += d.Count
				snap := metrics.Snapshot{
					Time:        from.Add(time.Duration(i) * 10 * time.Second),
					DefaultTags: []metrics.Tag{{Key: "host", Value: "h1"}, {Key: "service", Value: "api"}},
					Series: []metrics.Series{{Name: "api.latency", Kind: metrics.KindTimer, Unit: "ns", Count: total,
						Rates: metrics.Rates{Rate1: 10, Rate5: 10, Rate15: 10, Mean: 10},
						Summary: metrics.Summary{Count: d.Count, Sum: d.Sum, Min: d.Min, Max: d.Max, Mean: d.Mean(), StdDev: d.StdDev(),
							P50: d.Quantile(0.5), P75: d.Quantile(0.75), P95: d.Quantile(0.95), P99: d.Quantile(0.99), P999: d.Quantile(0.999),
							Buckets: d.Buckets}}},
				}
				if err := exp.Export(context.Background(), snap); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}
