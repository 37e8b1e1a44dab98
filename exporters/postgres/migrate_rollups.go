package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// migrate5 adds the per-minute and per-hour rollups, materialised
// incrementally (see rollup.go): vitals_rollup_1m, partitioned by day,
// vitals_rollup_1h, partitioned by month, both keyed (series_id, ts) like
// vitals_points, and vitals_rollup_state, which says what range of time
// each covers. Both start empty, covering nothing from now on: the
// maintenance rolls up what comes next, and then what came before, back to
// the oldest partition of vitals_points.
func migrate5(ctx context.Context, tx pgx.Tx, n pgschema.Names, now time.Time) error {
	r := n.Rollups()
	minute := now.UTC().Truncate(time.Minute)
	hour := minute.Truncate(time.Hour)
	if hour.Before(minute) {
		hour = hour.Add(time.Hour) // the first hour wholly after minute: none covered yet
	}
	ddl := []string{
		rollupTableSQL(r.M1),
		rollupTableSQL(r.H1),
		`CREATE TABLE ` + r.State + ` (
			level       text        PRIMARY KEY,
			width       interval    NOT NULL,
			rolled_from timestamptz NOT NULL,
			rolled_to   timestamptz NOT NULL,
			checked_at  timestamptz
		)`,
	}
	ddl = append(ddl, rollupCommentsSQL(n)...)
	for _, stmt := range ddl {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%.60s...: %w", strings.Join(strings.Fields(stmt), " "), err)
		}
	}
	_, err := tx.Exec(ctx, "INSERT INTO "+r.State+" (level, width, rolled_from, rolled_to) VALUES "+
		"($1, interval '1 minute', $2, $2), ($3, interval '1 hour', $4, $4)",
		pgschema.Level1m, minute, pgschema.Level1h, hour)
	return err
}

// rollupTableSQL creates a rollup table, partitioned by range of ts.
func rollupTableSQL(table string) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE " + table + " (\n\tseries_id bigint NOT NULL,\n\tts timestamptz NOT NULL")
	for _, c := range pgschema.RollupColumns {
		fmt.Fprintf(&b, ",\n\t%s %s", c.Name, c.Type)
	}
	b.WriteString(",\n\tbucket_idx integer[],\n\tbucket_cnt bigint[],\n\tbuckets bytea,\n\tPRIMARY KEY (series_id, ts)\n) PARTITION BY RANGE (ts)")
	return b.String()
}

// rollupComments describes the rollup tables' columns, for COMMENT ON.
var rollupComments = map[string]string{
	"series_id":     "The series, vitals_series.id.",
	"ts":            "The start of the interval (UTC minute or hour) that the row covers: [ts, ts + 1 minute or hour).",
	"total":         "The last total of the interval: the cumulative count at its end (counters, meters, histograms, timers). The increase between two rows is the count of the interval between them, unless the process restarted (the total fell).",
	"count":         "Histograms and timers: the number of values recorded in the interval.",
	"sum":           "Histograms and timers: the sum of the values recorded in the interval (nanoseconds for timers).",
	"min":           "Histograms and timers: the smallest value recorded in the interval.",
	"max":           "Histograms and timers: the largest value recorded in the interval.",
	"bucket_min":    "The smallest min of the points that have buckets (which bounds their quantiles).",
	"bucket_max":    "The largest max of the points that have buckets.",
	"sum_sq_dev":    "Σ count·stddev² over the points: with sum_sq_mean, the pooled standard deviation is sqrt(sum_sq_dev/count + sum_sq_mean/count − (sum/count)²).",
	"sum_sq_mean":   "Σ count·mean² over the points; see sum_sq_dev.",
	"value":         "Gauges: the last value of the interval.",
	"value_sum":     "Gauges: the sum of the values of the interval; value_sum/value_count is their mean.",
	"value_min":     "Gauges: the smallest value of the interval.",
	"value_max":     "Gauges: the largest value of the interval.",
	"rate1":         "Meters and timers: the average of the points' 1-minute rates (events per second).",
	"rate5":         "Meters and timers: the average of the points' 5-minute rates.",
	"rate15":        "Meters and timers: the average of the points' 15-minute rates.",
	"rate_mean":     "Meters and timers: the average of the points' mean rates.",
	"nobucket_p50":  "The largest p50 of the points without buckets (histograms of an attached go-metrics registry); NULL when every point has buckets.",
	"nobucket_p75":  "As nobucket_p50, for p75.",
	"nobucket_p95":  "As nobucket_p50, for p95.",
	"nobucket_p99":  "As nobucket_p50, for p99.",
	"nobucket_p999": "As nobucket_p50, for p999.",
	"points":        "How many points (rows of vitals_points) the row merges.",
	"value_count":   "Gauges: how many points have a value.",
	"rate_points":   "Meters and timers: how many points have rates; the weight of the averaged rates when rows are merged.",
	"bucket_idx":    "The bucket indexes of the merged buckets of the interval, ascending (see vitals_bucket_lower and vitals_quantile).",
	"bucket_cnt":    "The counts of the merged buckets, aligned with bucket_idx: the sums of the points' counts of each index.",
	"buckets": "bucket_idx and bucket_cnt packed for readers: for each bucket, its index (2 bytes) then its count (4 bytes), big-endian, " +
		"in index order; NULL when a count exceeds 2^31-1 (read the arrays then). A reader receives it as stored, " +
		"much faster than the arrays, which are sent element by element.",
}

// rollupCommentsSQL comments the rollup tables and their columns.
func rollupCommentsSQL(n pgschema.Names) []string {
	r := n.Rollups()
	lit := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	stmts := []string{
		"COMMENT ON TABLE " + r.M1 + " IS " + lit("One row per series per UTC minute with points: the merge of the minute's rows of vitals_points, "+
			"rolled up by the exporters' maintenance once the minute has closed. Partitioned by day, kept as long as vitals_points. "+
			"vitals_rollup_state says which minutes it covers."),
		"COMMENT ON TABLE " + r.H1 + " IS " + lit("One row per series per UTC hour with points: the merge of the hour's rows of vitals_rollup_1m. "+
			"Partitioned by month; a month is dropped when all of it is older than the retention of vitals_points. "+
			"vitals_rollup_state says which hours it covers."),
		"COMMENT ON TABLE " + r.State + " IS " + lit("What the rollup tables cover: per level, every point of vitals_points in [rolled_from, rolled_to) "+
			"is rolled up, and so is any point written up to 10 minutes after the end of its minute (later ones only stay in vitals_points)."),
		"COMMENT ON COLUMN " + r.State + ".level IS " + lit("'1m' for vitals_rollup_1m, '1h' for vitals_rollup_1h."),
		"COMMENT ON COLUMN " + r.State + ".width IS " + lit("The interval of one row of the level's table."),
		"COMMENT ON COLUMN " + r.State + ".rolled_from IS " + lit("The start of the range the level covers."),
		"COMMENT ON COLUMN " + r.State + ".rolled_to IS " + lit("The end of the range the level covers (excluded): the watermark."),
		"COMMENT ON COLUMN " + r.State + ".checked_at IS " + lit("When the maintenance last looked for points written late into the level's recent minutes (the server's clock); NULL for '1h', whose hours are rolled up again with their minutes."),
	}
	for _, table := range []string{r.M1, r.H1} {
		cols := []string{"series_id", "ts"}
		for _, c := range pgschema.RollupColumns {
			cols = append(cols, c.Name)
		}
		cols = append(cols, "bucket_idx", "bucket_cnt", "buckets")
		for _, c := range cols {
			stmts = append(stmts, "COMMENT ON COLUMN "+table+"."+c+" IS "+lit(rollupComments[c]))
		}
	}
	return stmts
}
