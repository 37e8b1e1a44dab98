package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// blocksTableComment and blockStartComment document vitals_blocks once
// compaction also writes blocks of an hour (see window in compact.go):
// migration 9 sets them.
const (
	blocksTableComment = "Compacted points: one row per series per UTC hour, written by the exporters' " +
		"maintenance 10 minutes after the hour ends, and per UTC day once the day has closed for CompactAfter " +
		"(its hours' blocks and late rows merged into one, which takes fewer bytes); the points of vitals_points " +
		"as arrays (TOAST-compressed). Partitioned by day (vitals_blocks_pYYYYMMDD), dropped with the days of " +
		"vitals_points. Read it through vitals_points_all, which unpacks the arrays into rows."
	blockStartComment = "Where the row's points begin: the UTC hour, or the UTC day (its midnight), whose points it " +
		"holds; its last point is at ts_run_start[last] + (ts_run_len[last] - 1) * ts_step microseconds after it."
)

// migrate9 documents vitals_blocks' rows of an hour. The table does not
// change: a block was always read by its runs of times, wherever it
// starts.
func migrate9(ctx context.Context, tx pgx.Tx, n pgschema.Names, _ time.Time) error {
	for _, stmt := range []string{
		commentSQL("TABLE", n.Blocks, blocksTableComment),
		commentSQL("COLUMN", n.Blocks+".block_start", blockStartComment),
	} {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}
