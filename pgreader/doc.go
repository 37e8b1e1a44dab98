// Package pgreader reads back the tables that the PostgreSQL exporter
// (exporters/postgres) writes: the series, their points downsampled over a
// time range, the releases of a service, and the comparison of two
// releases (as the Source of package compare). It is for the programs that
// look at the metrics (a CLI, a dashboard), not the services that record
// them: it never writes.
//
// A complete program, printing the p50 and p99 latency of a service,
// every host merged, over the last hour:
//
//	package main
//
//	import (
//		"context"
//		"fmt"
//		"log"
//		"time"
//
//		"github.com/vitals-go/vitals/metrics"
//		"github.com/vitals-go/vitals/pgreader"
//	)
//
//	func main() {
//		ctx := context.Background()
//		r, err := pgreader.New(ctx, pgreader.Config{
//			URL: "postgres://grafana@db.example.com:5432/metrics?sslmode=verify-full",
//		})
//		if err != nil {
//			log.Fatal(err) // cannot connect, or no vitals tables in the schema
//		}
//		defer r.Close()
//
//		now := time.Now()
//		points, err := r.Range(ctx, pgreader.RangeQuery{
//			Name: "query.latency",
//			Tags: metrics.Tags{"service": "alerts"},
//			From: now.Add(-time.Hour),
//			To:   now,
//		})
//		if err != nil {
//			log.Fatal(err)
//		}
//		for _, p := range points {
//			// Timers are in nanoseconds.
//			fmt.Printf("%s  p50 %v  p99 %v\n", p.Time.Format(time.TimeOnly),
//				time.Duration(p.P50), time.Duration(p.P99))
//		}
//	}
//
// # Queries
//
// Reader.Series lists series by name and tags. Reader.Range reads the
// points of one series, or of every series of a name and tags merged
// into one line (a service's latency across its hosts), downsampled in
// SQL to at most RangeQuery.MaxPoints steps, with quantiles computed from
// the merged histogram buckets of every interval and host of a step,
// never by averaging stored percentiles. Reader.Releases lists the
// versions of a service that exporters recorded, and Reader.Compare
// compares a metric between two of them, or two time windows, with the
// statistics of package compare, from one snapshot of the database.
//
// Every query resolves series ids in vitals_series first, then reads
// vitals_points with series_id = ANY(ids), so that it also runs on a
// Citus cluster with both tables distributed on the series id (see
// SCALING.md in exporters/postgres).
//
// # Resolution
//
// The exporters' maintenance rolls the points up, per series, into
// vitals_rollup_1m (one row per UTC minute) and vitals_rollup_1h (per
// hour), each row the exact merge of its points: counts, sums, min, max,
// the buckets, the last total and gauge value. A Range whose steps are a
// whole number of minutes reads the coarsest rows that fit its steps: the
// hours that the hour rollup covers (steps of whole hours), then the
// minutes that the minute rollup covers, and the points for what is not
// rolled up yet (the last minute or two). Such steps start at a whole
// minute, or hour, and cover whole minutes: the range is widened to whole
// minutes (see RangeQuery.Step). The answer is the one the points give,
// but for the rounding of floating-point sums and averages, and for late
// points (a disk spool's replay) until the next maintenance run rolls
// their minutes up again. So a 30-day chart of a timer at 300 points
// (3-hour steps) reads about 720 hour rows and a hundred minute rows
// instead of 259,200 points. Steps of seconds read the points.
//
// Compare always reads the points: its statistics are per flush interval
// (the noise of the Before side, the intervals, the flush interval),
// which no rollup keeps, so rollups could not give the same answer.
//
// # Privileges
//
// The role of Config.URL needs USAGE on the schema and SELECT on the
// tables (GRANT SELECT ON ALL TABLES IN SCHEMA metrics TO dashboards). It
// reads through the partitioned tables, never their partitions, so the
// partitions created later need no grant.
package pgreader
