package postgres

import (
	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// columnComment is the COMMENT of one column.
type columnComment struct {
	column, text string
}

// columnCommentsSQL returns the statements commenting relation rel (a
// quoted, qualified table, view or type) with text and its columns with
// cols.
func columnCommentsSQL(kind, rel, text string, cols []columnComment) []string {
	stmts := []string{commentSQL(kind, rel, text)}
	for _, c := range cols {
		stmts = append(stmts, commentSQL("COLUMN", rel+"."+pgx.Identifier{c.column}.Sanitize(), c.text))
	}
	return stmts
}

// tableCommentsSQL returns the statements documenting the tables of
// migrations 1 and 2 and their columns, so that \d+ in psql, and any tool
// that shows comments, says what each holds.
func tableCommentsSQL(n pgschema.Names) []string {
	var stmts []string
	stmts = append(stmts, columnCommentsSQL("TABLE", n.Version,
		"The migrations applied to this schema by vitals' PostgreSQL exporter, one row each, under an advisory lock. "+
			"The schema's version is the largest; a process whose vitals knows fewer migrations refuses the schema.",
		[]columnComment{
			{"version", "The number of the migration, from 1."},
			{"applied_at", "When the migration was applied."},
		})...)
	stmts = append(stmts, columnCommentsSQL("TABLE", n.Series,
		"One row per series (a metric name and its tags), inserted by vitals' PostgreSQL exporter when a process "+
			"first exports it. vitals_points.series_id refers to id; the view vitals_points_named joins them.",
		seriesColumnComments)...)
	stmts = append(stmts, columnCommentsSQL("TABLE", n.Points,
		"One row per series per flush (every 10 s by default), written by vitals' PostgreSQL exporter: the values "+
			"of the series (vitals_series.id = series_id) for the interval that ended at ts. "+
			"Which columns are set depends on vitals_series.kind, the others being NULL: "+
			"counter: total; gauge and gauge_float64: value; meter: total and the rates; "+
			"histogram: total, count, sum, min, max, mean, stddev, p50 to p999, bucket_idx and bucket_cnt; "+
			"timer: as histogram, in nanoseconds, and the rates. "+
			"total is cumulative since the metric was created; count, sum, min, max, mean, stddev, the quantiles and "+
			"the buckets describe the interval only. "+
			"Partitioned by UTC day (vitals_points_pYYYYMMDD, and vitals_points_default for a day without one); "+
			"retention drops whole days. Query vitals_points_named to have the series' name and tags.",
		pointsColumnComments)...)
	stmts = append(stmts, commentSQL("TABLE", n.Default,
		"The partition of vitals_points that takes the rows of a day without a partition of its own; "+
			"the exporter's maintenance moves them into one."))
	stmts = append(stmts, columnCommentsSQL("TABLE", n.Releases,
		"One row per process that exported with a service and a version default tag, written at its first "+
			"successful export: which release ran where and since when, for release comparisons "+
			"(pgreader's Reader.Releases and Reader.Compare, the vitals compare command).",
		[]columnComment{
			{"service", "The process' service default tag."},
			{"version", "The process' version default tag: the release."},
			{"host", "The process' host default tag, empty when it has none."},
			{"pid", "The process id."},
			{"started_at", "When the process started (when it initialised the exporter package)."},
		})...)
	return stmts
}

// seriesColumnComments documents the columns of vitals_series.
var seriesColumnComments = []columnComment{
	{"id", "The series id, which vitals_points.series_id refers to: the 64-bit FNV-1a hash of the name and the " +
		"sorted tags computed by the exporting process (SeriesID in Go package exporters/postgres)."},
	{"name", "The metric name, as registered, for instance http.server."},
	{"tags", "The series' tags as a JSON object of strings, the process' default tags (host, service, version) " +
		"included. Filter with tags @> '{\"host\": \"web01\"}' (indexed) or tags->>'host'."},
	{"kind", "counter, gauge, gauge_float64, meter, histogram or timer: which columns of vitals_points are set " +
		"(see the comment on vitals_points)."},
	{"unit", "The unit of the series' values: ns for timers, whose sum, min, max, mean, stddev, p50 to p999 and " +
		"buckets are nanoseconds (divide by 1e6 for the milliseconds that the OpenTSDB exporter sends); " +
		"empty for the other kinds."},
	{"first_seen", "When the series was first stored."},
}

// pointsColumnComments documents the columns of vitals_points, in table
// order.
var pointsColumnComments = []columnComment{
	{"series_id", "The series: vitals_series.id."},
	{"ts", "The time of the flush, the end of the interval the row describes (a multiple of the exporting " +
		"interval on the wall clock). Rows of one series are spaced by that interval, 10 s by default."},
	{"total", "Cumulative since the metric was created in its process (or cleared): a counter's count; the " +
		"events of a meter; the number of values recorded by a histogram or timer. It starts again from 0 when " +
		"the process restarts: the increase " +
		"per row is vitals_increase(total, lag(total) OVER (PARTITION BY series_id ORDER BY ts)). NULL for gauges."},
	{"count", "Histograms and timers: the number of values recorded in this interval only, 0 if none (while " +
		"the process runs, total minus the previous row's total). NULL for other kinds."},
	{"sum", "Histograms and timers: the exact sum of the values recorded in this interval, 0 if none " +
		"(timers: nanoseconds). sum(sum) / sum(count) is the exact mean of many rows."},
	{"min", "Histograms and timers: the smallest value recorded in this interval (timers: nanoseconds); " +
		"NULL when count is 0."},
	{"max", "Histograms and timers: the largest value recorded in this interval (timers: nanoseconds); " +
		"NULL when count is 0."},
	{"value", "Gauges (kind gauge or gauge_float64): the level at ts. NULL for other kinds."},
	{"mean", "Histograms and timers: sum / count of this interval (timers: nanoseconds); NULL when count is 0."},
	{"stddev", "Histograms and timers: the population standard deviation of this interval's values, estimated " +
		"from the buckets (timers: nanoseconds); NULL when count is 0."},
	{"p50", quantileColumnComment("0.5", "median")},
	{"p75", quantileColumnComment("0.75", "75th percentile")},
	{"p95", quantileColumnComment("0.95", "95th percentile")},
	{"p99", quantileColumnComment("0.99", "99th percentile")},
	{"p999", quantileColumnComment("0.999", "99.9th percentile")},
	{"rate1", rateColumnComment("1-minute exponentially weighted moving average")},
	{"rate5", rateColumnComment("5-minute exponentially weighted moving average")},
	{"rate15", rateColumnComment("15-minute exponentially weighted moving average")},
	{"rate_mean", rateColumnComment("mean since the metric was created")},
	{"bucket_idx", "Histograms and timers: the indexes of this interval's non-empty buckets, ascending. Bucket i " +
		"holds the values v with vitals_bucket_lower(i) <= v < vitals_bucket_upper(i): 35 buckets per power of " +
		"two, each at most 2.01% wide, the same in every process and release, so rows of any hosts and intervals " +
		"merge exactly (vitals_merge_buckets). NULL when count is 0."},
	{"bucket_cnt", "Histograms and timers: the number of values in each bucket of bucket_idx, in the same order; " +
		"they add up to count. vitals_quantile(vitals_merge_buckets(bucket_idx, bucket_cnt), 0.99, min(min), " +
		"max(max)) is the p99 of many rows. NULL when count is 0."},
}

// quantileColumnComment documents the column of quantile q.
func quantileColumnComment(q, name string) string {
	return "Histograms and timers without buckets (attached go-metrics ones): the " + name + " of this interval's " +
		"values (timers: nanoseconds). NULL when count is 0 and when the row has buckets: then " +
		"vitals_quantile(bucket_idx, bucket_cnt, " + q + ", min, max) gives it exactly, within 1% of the true value. " +
		"Quantiles of several rows cannot be averaged: merge their buckets (vitals_merge_buckets)."
}

// rateColumnComment documents a column of rates.
func rateColumnComment(what string) string {
	return "Meters and timers: events per second, the " + what + " (as in go-metrics). NULL for other kinds."
}
