package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// migrate4 adds the compact blocks (see compact.go): the table
// vitals_blocks, partitioned by day like vitals_points, whose rows hold a
// series' day of points as arrays; the view vitals_points_all, which shows
// the rows of vitals_points and the points of the blocks as one table with
// the columns of vitals_points; and vitals_points_named, re-pointed at it.
func migrate4(ctx context.Context, tx pgx.Tx, n pgschema.Names, _ time.Time) error {
	stmts := []string{blocksTableSQL(n)}
	stmts = append(stmts, blocksCommentsSQL(n)...)
	stmts = append(stmts,
		"CREATE VIEW "+n.PointsAll+" AS "+pointsAllSQLV4(n),
		namedPointsViewSQL(n, n.PointsAll),
	)
	stmts = append(stmts, columnCommentsSQL("VIEW", n.PointsAll,
		"Every point, raw or compacted: the rows of vitals_points and the points of vitals_blocks, as one table "+
			"with the columns of vitals_points (a point is in one of them only). Query this rather than "+
			"vitals_points, whose days are emptied into vitals_blocks once they are closed.", pointsColumnComments)...)
	if err := execAll(ctx, tx, stmts); err != nil {
		return err
	}
	return setCompression(ctx, tx, n, blockColumns)
}

// blocksTableSQL creates vitals_blocks. Each row holds one series' points
// of one UTC day (of an hour since migration 9; see blockColumns for each
// column); the arrays have one
// element per point, in the order of ts, except the ts runs and the
// concatenated buckets. An array column is NULL when the column is NULL
// at every point.
func blocksTableSQL(n pgschema.Names) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE " + n.Blocks + " (\n")
	for _, c := range blockColumns {
		b.WriteString("\t" + c.name + " " + c.typ + ",\n")
	}
	b.WriteString("\tPRIMARY KEY (series_id, block_start)\n) PARTITION BY RANGE (block_start)")
	return b.String()
}

// addBlockColumnsSQL returns the statements that add cols to
// vitals_blocks, the ALTER TABLE first, and document them.
func addBlockColumnsSQL(n pgschema.Names, cols []blockColumn) []string {
	var adds []string
	for _, c := range cols {
		adds = append(adds, "ADD COLUMN "+c.name+" "+c.typ)
	}
	stmts := []string{"ALTER TABLE " + n.Blocks + " " + strings.Join(adds, ", ")}
	for _, c := range cols {
		stmts = append(stmts, commentSQL("COLUMN", n.Blocks+"."+c.name, c.comment))
	}
	return stmts
}

// blockColumn is a column of vitals_blocks.
type blockColumn struct {
	name, typ, comment string
}

// blockColumns are the columns of vitals_blocks, in table order.
var blockColumns = []blockColumn{
	{"series_id", "bigint NOT NULL", "The series: vitals_series.id."},
	{"block_start", "timestamptz NOT NULL", "The UTC day whose points the row holds (its midnight)."},
	{"points", "integer NOT NULL", "How many points the row holds: the length of the per-point arrays."},
	{"ts_step", "bigint NOT NULL", "The step, in microseconds, of the runs of ts_run_start (0 when each run has one point)."},
	{"ts_run_start", "bigint[] NOT NULL", "The points' times as runs of evenly spaced times: the first time of each " +
		"run, in microseconds after block_start. Run k holds ts_run_len[k] points, ts_step apart."},
	{"ts_run_len", "integer[] NOT NULL", "The number of points of each run of ts_run_start."},
	{"total", "bigint[]", "total of each point, when total_delta cannot hold it (NULL then)."},
	{"total_delta", "bigint[]", "total of each point minus that of the previous point with a total (the first " +
		"one's minus 0): the running sum gives total back."},
	{"count", "bigint[]", "count of each point."},
	{"sum", "bigint[]", "sum of each point."},
	{"min", "bigint[]", "min of each point."},
	{"max", "bigint[]", "max of each point."},
	{"value", "double precision[]", "value of each point."},
	{"mean", "double precision[]", "mean of each point, unless mean_derived."},
	{"mean_derived", "boolean NOT NULL", "Whether each point's mean is sum / count (NULL where count is NULL or 0), " +
		"as the exporter writes it: the column mean is then NULL, and vitals_points_all computes it."},
	{"stddev", "double precision[]", "stddev of each point."},
	{"p50", "double precision[]", "p50 of each point."},
	{"p75", "double precision[]", "p75 of each point."},
	{"p95", "double precision[]", "p95 of each point."},
	{"p99", "double precision[]", "p99 of each point."},
	{"p999", "double precision[]", "p999 of each point."},
	{"rate1", "double precision[]", "rate1 of each point."},
	{"rate5", "double precision[]", "rate5 of each point."},
	{"rate15", "double precision[]", "rate15 of each point."},
	{"rate_mean", "double precision[]", "rate_mean of each point."},
	{"bucket_len", "integer[]", "The number of buckets of each point (NULL where its bucket_idx is NULL); its " +
		"buckets follow those of the points before it in the bucket_idx and bucket_cnt arrays."},
	{"bucket_idx2", "smallint[]", "The bucket indexes of all the points, one after the other, when they all fit " +
		"in a smallint (NULL otherwise, or when no point has buckets)."},
	{"bucket_idx4", "integer[]", "The bucket indexes of all the points, when bucket_idx2 cannot hold them."},
	{"bucket_cnt2", "smallint[]", "The bucket counts of all the points, one after the other, when they all fit " +
		"in a smallint."},
	{"bucket_cnt4", "integer[]", "The bucket counts of all the points, when they fit in an integer but not all " +
		"in a smallint."},
	{"bucket_cnt8", "bigint[]", "The bucket counts of all the points, when they do not all fit in an integer."},
}

// blocksCommentsSQL documents vitals_blocks and its columns.
func blocksCommentsSQL(n pgschema.Names) []string {
	cols := make([]columnComment, len(blockColumns))
	for i, c := range blockColumns {
		cols[i] = columnComment{c.name, c.comment}
	}
	return columnCommentsSQL("TABLE", n.Blocks,
		"Compacted points: one row per series per UTC day, the day's points of vitals_points as arrays "+
			"(TOAST-compressed), written by the exporters' maintenance once the day has closed. Partitioned by "+
			"day (vitals_blocks_pYYYYMMDD), dropped with the days of vitals_points. Read it through "+
			"vitals_points_all, which unpacks the arrays into rows.", cols)
}

// setCompression compresses the arrays and bytea columns among cols of
// vitals_blocks with pglz, whatever the server's
// default_toast_compression, on servers that let a column choose
// (PostgreSQL 14 or newer; older ones have only pglz). Partitions created
// later take the settings of the parent.
//
// Measured on a day of the example service's and of the soak's series
// (TestCompactionFigures), lz4 compresses 2-4 times faster but stores
// counters and gauges in 1.5-2 times the bytes (about 3 bytes a point
// instead of 1.5) and timers' and histograms' buckets in 1.3-2 times (the
// bucket_gap and bucket_cnt1 of migration 7 too: 1.2-2 times);
// compaction spends most of its time reading and deleting the rows anyway.
func setCompression(ctx context.Context, tx pgx.Tx, n pgschema.Names, cols []blockColumn) error {
	var version int
	if err := tx.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		return err
	}
	if version < 140000 {
		return nil
	}
	var alters []string
	for _, c := range cols {
		if strings.Contains(c.typ, "[]") || c.typ == "bytea" {
			alters = append(alters, "ALTER COLUMN "+c.name+" SET COMPRESSION pglz")
		}
	}
	_, err := tx.Exec(ctx, "ALTER TABLE "+n.Blocks+" "+strings.Join(alters, ", "))
	return err
}
