// Package postgres exports snapshots to PostgreSQL (12 or newer; tested
// with 15): one row per series per flush in a table partitioned by day,
// written idempotently so that a retry never duplicates a point, with
// retention by dropping whole partitions. Package pgreader reads them
// back, and package compare compares releases from them.
//
// A complete program:
//
//	package main
//
//	import (
//		"context"
//		"log"
//		"time"
//
//		"github.com/vitals-go/vitals/exporters"
//		"github.com/vitals-go/vitals/exporters/postgres"
//		"github.com/vitals-go/vitals/metrics"
//	)
//
//	func main() {
//		reg := metrics.NewRegistry()
//		if err := reg.SetDefaultTags(metrics.Tags{"host": "web01", "service": "alerts"}); err != nil {
//			log.Fatal(err)
//		}
//		ctx := context.Background()
//		pg, err := postgres.New(ctx, postgres.Config{
//			URL:       "postgres://vitals:secret@db.example.com:5432/metrics?sslmode=verify-full",
//			Retention: 90 * 24 * time.Hour,
//		})
//		if err != nil {
//			log.Fatal(err) // cannot connect, authenticate or create the tables
//		}
//		rep, err := exporters.Start(reg, exporters.Config{
//			Exporters: map[string]exporters.Exporter{"postgres": pg},
//		})
//		if err != nil {
//			log.Fatal(err)
//		}
//
//		latency := reg.Timer("query.latency", metrics.Tags{"stage": "plan"})
//		for range 100 {
//			start := time.Now()
//			time.Sleep(10 * time.Millisecond) // the work
//			latency.UpdateSince(start)
//		}
//
//		// Flush what is queued, then close the connections.
//		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
//		defer cancel()
//		if err := rep.Shutdown(ctx); err != nil {
//			log.Print(err)
//		}
//	}
//
// # Tables
//
// New creates, in Config.Schema, if they are missing (migrations are
// numbered, recorded in vitals_schema_version, and applied under an
// advisory lock, so any number of processes may start at once):
//
//   - vitals_series(id, name, tags jsonb, kind, unit, first_seen): one row
//     per series. id is SeriesID: a 64-bit FNV-1a hash of the name and the
//     sorted tags, the snapshot's default tags (host, service, version)
//     included, the series' own tags winning over them.
//   - vitals_points(series_id, ts, total, count, sum, min, max, value,
//     mean, stddev, p50, p75, p95, p99, p999, rate1, rate5, rate15,
//     rate_mean, bucket_idx, bucket_cnt), primary key (series_id, ts): one
//     row per series per snapshot, ts being the snapshot's time.
//   - vitals_releases(service, version, host, pid, started_at, last_export):
//     one row per process, written at its first successful Export from the
//     snapshot's default tags, its last_export set at every Export (the
//     final flush at Shutdown included), so that pgreader's
//     Reader.Releases and Reader.Compare know which releases ran where,
//     from when to when.
//   - the view vitals_points_named and the SQL functions (see "SQL" below).
//
// Which columns are set depends on the kind; the others are NULL:
//
//	counter                 total (the count)
//	gauge, gauge_float64    value
//	meter                   total, rate1, rate5, rate15, rate_mean
//	histogram               total (values recorded since the start), count and sum (in
//	                        this interval), min, max, mean, stddev, bucket_idx and
//	                        bucket_cnt (the interval's non-empty buckets, see
//	                        metrics.BucketBounds); p50 ... p999 only without buckets
//	timer                   as histogram, in nanoseconds, plus the rates
//
// An interval in which a histogram or timer recorded nothing has count 0
// and sum 0, and NULL statistics and buckets. NaN and infinite values
// (possible only from attached go-metrics registries) are stored as NULL.
// The quantiles of a row with buckets are not stored: the buckets, min and
// max give them exactly as the registry computed them,
// vitals_quantile(bucket_idx, bucket_cnt, 0.99, min, max) for p99 (see
// "SQL"). Only the histograms of an attached go-metrics registry, which
// have no buckets, store p50 ... p999.
//
// # SQL
//
// The tables are meant to be queried by hand too. Every table, view,
// column, function and type has a COMMENT (\d+ vitals_points in psql says
// what each column holds, by kind), and the schema has:
//
//   - vitals_points_named: the rows of vitals_points with their series'
//     name, tags, kind and unit in front, the table to query by hand.
//   - vitals_merge_buckets(bucket_idx, bucket_cnt): an aggregate merging
//     the buckets of many rows exactly (hosts, intervals), as
//     metrics.Merger does, into a vitals_buckets (idx int[], cnt bigint[]).
//   - vitals_quantile(buckets, q, min, max), and vitals_quantile(bucket_idx,
//     bucket_cnt, q, min, max) for one row: the q-quantile, the same value
//     as metrics.Distribution.Quantile; min and max (the exact extremes,
//     min(min) and max(max) over merged rows) may be left out, and the
//     estimate is then not clamped into them.
//   - vitals_increase(total, previous): the growth of a cumulative total
//     since the previous row, a fall counting as a restart from 0.
//   - vitals_bucket_lower(idx), vitals_bucket_upper(idx): the bounds of a
//     bucket, as metrics.BucketBounds; vitals_bucket_value(idx): the value
//     that stands for it in quantiles.
//
// They are plain SQL and PL/pgSQL, immutable and parallel safe, and work
// whatever the search_path. Timers are stored in nanoseconds (the OpenTSDB
// exporter sends milliseconds): divide by 1e6. The p99 of a handler per
// minute over the last hour, every host merged, in milliseconds:
//
//	SELECT date_trunc('minute', ts) AS minute,
//	       vitals_quantile(vitals_merge_buckets(bucket_idx, bucket_cnt), 0.99, min(min), max(max)) / 1e6 AS p99_ms
//	FROM vitals_points_named
//	WHERE name = 'http.server' AND tags @> '{"handler": "/checkout"}' AND ts > now() - interval '1 hour'
//	GROUP BY minute ORDER BY minute;
//
// SQL.md, beside this file, has more recipes (request rate from a counter,
// top series by growth, one latency per release merged across hosts, a
// histogram), each tested against PostgreSQL on data this package wrote.
//
// # Partitions and retention
//
// vitals_points is partitioned by UTC day: vitals_points_pYYYYMMDD, plus
// vitals_points_default, which catches the rows of any day that has no
// partition, so a write never fails for want of one. New and then the
// maintenance, every Config.MaintenanceInterval (an hour), create the
// partitions of today and the next Config.PartitionsAhead days (3), give
// every day found in the default partition a partition of its own (its
// rows move there in the same transaction), and drop the partitions that
// ended more than Config.Retention (30 days) ago. Rows are never DELETEd:
// dropping a table costs nothing and leaves nothing to vacuum. An Export
// whose snapshot falls on a day without a partition creates it first.
// Every change to the partitions runs in a short transaction of its own,
// under a per-schema advisory lock, so any number of exporters can share
// the tables.
//
// # Writes
//
// A flush's points are written by one COPY (binary format) straight into
// the partition of the snapshot's day, which Export ensures first: one
// statement, so one transaction, and no tuple routing. Series the process
// has not stored yet are upserted just before, by a statement of their own
// (INSERT ... ON CONFLICT (id) DO NOTHING) that also detects hash
// collisions, and then remembered, up to half a million of them. A
// retried flush never stores a point twice: the primary key (series_id,
// ts) makes the COPY fail as a whole, and the points are sent again by
// INSERT ... SELECT unnest(...) ON CONFLICT DO NOTHING. A day without a
// partition is written by that INSERT through the parent table, into the
// default partition (see Exporter.Export). Rows are sorted by series id,
// so the index takes them in order.
//
// # Rollups
//
// vitals_rollup_1m holds, per series and UTC minute, the merge of the
// minute's points; vitals_rollup_1h, per series and UTC hour, the merge of
// the hour's minutes: the count, sum, min and max of histogram and timer
// values, their buckets merged (bucket_idx, bucket_cnt, as
// metrics.Merger merges them; also packed in buckets, for readers), the
// last total (counters, meters: rates come from the difference of two
// rows), the last, smallest, largest and summed gauge value, the averaged
// rates, and what pgreader needs to give the same answers as from the
// points (see the COMMENT ON each column). Both are keyed (series_id, ts),
// partitioned by day and by month, and dropped with the retention.
//
// The maintenance materialises them incrementally, every minute (or every
// Config.MaintenanceInterval when shorter), never by refreshing a whole
// view: vitals_rollup_state holds, per level, the range [rolled_from,
// rolled_to) it covers; each run rolls up the minutes that closed since
// rolled_to (a minute after their end), and the hours they complete, by
// INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE; then, for late
// points, compares the number of points of each of the last 10 minutes
// and 2 runs with what their rollups merged, and rolls up again those that
// differ; then extends the range back to the oldest day of points (the
// data of a schema that had no rollups yet, read from vitals_points and
// vitals_blocks). A point written up to 10 minutes after the end of its
// minute is found by that check; an exporter that writes a snapshot 2
// minutes or more after its time (a disk spool's replay, a retry) marks
// its minute in vitals_rollup_dirty, and the next run rolls the marked
// minutes and their hours up again. Each step is a short transaction under a
// per-schema advisory lock taken with pg_try_advisory_xact_lock: while one
// process rolls up, the others skip; a process that dies mid-step leaves
// nothing half done, and rolling up twice stores once.
//
// # Privileges
//
// The role that Config.URL connects as needs, besides CONNECT on the
// database (which every role has by default):
//
//   - CREATE on the database, only if the schema does not exist yet, to
//     create it. An administrator can create it instead, and then the role
//     needs nothing more on the database:
//     CREATE SCHEMA metrics AUTHORIZATION svc, or CREATE SCHEMA metrics and
//     GRANT USAGE, CREATE ON SCHEMA metrics TO svc.
//   - USAGE and CREATE on the schema, to create the tables and then a
//     partition every day. Since PostgreSQL 15 only the database owner may
//     create in schema public, the default Config.Schema: another role
//     needs GRANT USAGE, CREATE ON SCHEMA public TO svc.
//   - Once the tables exist: to own them, or to be a member of the role
//     that owns them (GRANT owner TO svc). PostgreSQL lets only a table's
//     owner attach and drop partitions, and has no privilege to grant for
//     it, so a role that may only INSERT and SELECT cannot run an
//     Exporter: its partitions would never be created nor dropped. A member
//     creates partitions as the owner (SET LOCAL ROLE), so that every
//     partition keeps the tables' owner and each role sharing the tables
//     may write into it and drop it.
//
// New checks these before it changes anything and, when one is missing,
// returns the GRANT that gives it, for instance:
//
//	postgres: role "svc" may not create tables in schema "metrics": run GRANT USAGE, CREATE ON SCHEMA metrics TO svc
//
// A role that only reads (a pgreader.Reader) needs USAGE on the schema and
// SELECT on the tables (GRANT SELECT ON ALL TABLES IN SCHEMA metrics TO
// dashboards); it reads through vitals_points, so the partitions created
// later need no grant.
//
// # Errors
//
// New returns one error for whatever keeps it from using the database: a
// malformed URL, a refused connection, a failed authentication, a missing
// database, missing privileges. It is one line that leads with the cause
// and shows the URL with its passwords masked; unless the URL is empty, it
// does not name Config.URL, so that a caller that read the URL from
// elsewhere can say where:
//
//	postgres: password authentication failed for user "svc" (SQLSTATE 28P01); URL postgres://svc:xxxxx@db:5432/metrics
//	postgres: connection refused (dial tcp 10.0.0.7:5432); URL postgres://svc:xxxxx@10.0.0.7:5432/metrics
//	postgres: unknown URL scheme "postgress": want postgres:// or postgresql://; URL postgress://svc:xxxxx@db/metrics
//
// After New, Export returns errors of the
// connection or the server (refused, reset, shutting down, timed out) as
// they are, so that the exporters.Reporter offers the snapshot again after
// a backoff, and wraps what a retry cannot fix in exporters.Rejected:
//
//   - a series whose name or tags are not valid UTF-8 or hold a NUL byte,
//     which PostgreSQL cannot store;
//   - a hash collision: the id of a series is already stored for another
//     name or tags. Its points are not written under the other series; the
//     collision is logged once, with both series, to Config.Logger;
//   - a data error reported by the server (SQLSTATE classes 22, 23, 42 and
//     54), which rejects the whole snapshot.
//
// # Scaling out: Citus and TimescaleDB
//
// See SCALING.md.
package postgres
