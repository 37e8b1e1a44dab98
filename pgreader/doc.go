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
// # Privileges
//
// The role of Config.URL needs USAGE on the schema and SELECT on the
// tables (GRANT SELECT ON ALL TABLES IN SCHEMA metrics TO dashboards). It
// reads through vitals_points, so the partitions created later need no
// grant.
package pgreader
