package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// blocksTableComment and blockStartComment document vitals_blocks once
// compaction writes blocks of an hour (see window in compact.go):
// migration 9 sets them.
const (
	blocksTableComment = "Compacted points: one row per series per UTC hour (per UTC day for rows written " +
		"before migration 9), written by the exporters' maintenance once the hour has closed for CompactAfter " +
		"(10 minutes); the points of vitals_points as arrays (TOAST-compressed). Partitioned by day " +
		"(vitals_blocks_pYYYYMMDD), dropped with the days of vitals_points. Read it through vitals_points_all, " +
		"which unpacks the arrays into rows."
	blockStartComment = "Where the row's points begin: the UTC hour whose points it holds (or the UTC day's " +
		"midnight, for rows written before migration 9 that hold a day); its last point is at " +
		"ts_run_start[last] + (ts_run_len[last] - 1) * ts_step microseconds after it."
)

// blockColumnsV9 are the columns that migration 9 adds to vitals_blocks,
// after blockColumnsV7: whether the block leaves out what histograms and
// timers repeat (see encodeBlock). Blocks written before keep them false
// and are read as before.
var blockColumnsV9 = []blockColumn{
	{"total_delta_less_count", "boolean NOT NULL DEFAULT false", "Whether total_delta holds each point's " +
		"difference of total minus its count (a histogram's or a timer's total grows by its count, so that " +
		"most are 0): vitals_points_all adds count back before the running sum."},
}

// migrate9 documents vitals_blocks' rows of an hour, adds
// blockColumnsV9 and re-creates vitals_points_all to read them. The view
// keeps its columns, and returns the same values for the blocks written
// before.
func migrate9(ctx context.Context, tx pgx.Tx, n pgschema.Names, _ time.Time) error {
	stmts := append([]string{
		commentSQL("TABLE", n.Blocks, blocksTableComment),
		commentSQL("COLUMN", n.Blocks+".block_start", blockStartComment),
	}, addBlockColumnsSQL(n, blockColumnsV9)...)
	stmts = append(stmts, "CREATE OR REPLACE VIEW "+n.PointsAll+" AS "+pointsAllSQL(n))
	return execAll(ctx, tx, stmts)
}
