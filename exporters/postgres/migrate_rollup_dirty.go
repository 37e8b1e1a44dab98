package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// rollupDirtyTable, in each vitals schema, holds the minutes that
// received points after the rollups may have covered them (see
// rollup_mark.go and rollup_redo.go).
const rollupDirtyTable = "vitals_rollup_dirty"

// rollupDirtyName returns the quoted, schema-qualified name of the
// schema's rollupDirtyTable.
func rollupDirtyName(n pgschema.Names) string {
	return pgx.Identifier{n.Schema, rollupDirtyTable}.Sanitize()
}

// migrate8 adds vitals_rollup_dirty, the minutes to roll up again: the
// Exporter marks the minute of every snapshot it writes late (a replay of
// the disk spool, a retry), and the rollup maintenance rolls each marked
// minute and its hour up again, then deletes the mark. One row per minute,
// keyed by the minute alone (no series_id: under Citus it is a reference
// table, like vitals_rollup_state).
func migrate8(ctx context.Context, tx pgx.Tx, n pgschema.Names, _ time.Time) error {
	dirty := rollupDirtyName(n)
	r := n.Rollups()
	stmts := []string{
		`CREATE TABLE ` + dirty + ` (
			minute timestamptz PRIMARY KEY,
			marks  bigint      NOT NULL DEFAULT 1
		)`,
		commentSQL("TABLE", dirty,
			"The minutes that received points after the rollups may have covered them: written late by an exporter "+
				"(a snapshot replayed from its disk spool or retried, 2 minutes or more after its time), within "+
				"[rolled_from, rolled_to) of vitals_rollup_state or not. The exporters' maintenance rolls each minute, "+
				"and its hour, up again from the points, then deletes its row. Until then vitals_rollup_1m and "+
				"vitals_rollup_1h may lack the minute's late points: a reader that must see them reads vitals_points_all "+
				"for the minutes listed here."),
		commentSQL("COLUMN", dirty+".minute", "The UTC minute [minute, minute + 1 minute) that received late points."),
		commentSQL("COLUMN", dirty+".marks",
			"How many times points were marked late into the minute: each mark adds one, and the maintenance "+
				"deletes the row only if it still holds the count it read before rolling up, so that a mark made "+
				"meanwhile is not lost."),
		commentSQL("TABLE", r.State,
			"What the rollup tables cover: per level, every point of vitals_points in [rolled_from, rolled_to) is "+
				"rolled up, but for the minutes listed in vitals_rollup_dirty until the maintenance rolls them up again. "+
				"Points written late are so listed, or, when written within 10 minutes of the end of their minute, "+
				"found by the maintenance's check (checked_at)."),
	}
	for _, stmt := range stmts {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt[:min(len(stmt), 60)], err)
		}
	}
	return nil
}
