package postgres

import (
	"context"
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
			"The minutes to roll up again: each received points that an exporter wrote 2 minutes or more after their "+
				"time (a snapshot replayed from its disk spool after an outage or a restart, or retried), perhaps after "+
				"the rollups had covered the minute. The exporters' maintenance rolls each minute, and its hour, up "+
				"again from the points, then deletes its row. Until then vitals_rollup_1m and vitals_rollup_1h may lack "+
				"those points: a reader that must see them reads vitals_points_all for the minutes listed here."),
		commentSQL("COLUMN", dirty+".minute", "The UTC minute [minute, minute + 1 minute) that received late points."),
		commentSQL("COLUMN", dirty+".marks",
			"How many times exporters marked the minute: each mark adds one, and the maintenance deletes the row "+
				"only if its count is still the one it read before rolling the minute up, so that a mark made "+
				"meanwhile is not lost."),
		commentSQL("TABLE", r.State,
			"What the rollup tables cover: per level, the points of vitals_points (and vitals_blocks) in "+
				"[rolled_from, rolled_to). A point written after its minute was rolled up is added by the "+
				"maintenance's next run: it finds those written up to 10 minutes after the end of their minute by "+
				"counting (checked_at), and the later ones, which the exporters mark in vitals_rollup_dirty."),
	}
	return execAll(ctx, tx, stmts)
}
