package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// migrate6 adds vitals_releases.last_export, the time of the last snapshot
// a process exported (its final flush when it shut down cleanly), which
// every Export sets (see recordRelease): with started_at, the time the
// process really ran, which release comparisons select each host's
// intervals within and take their rates over. Rows written before have
// none (NULL); readers then end the run at its host's last point.
func migrate6(ctx context.Context, tx pgx.Tx, n pgschema.Names, _ time.Time) error {
	stmts := []string{
		"ALTER TABLE " + n.Releases + " ADD COLUMN last_export timestamptz",
		commentSQL("COLUMN", n.Releases+".last_export",
			"The time of the last snapshot the process exported (vitals_points.ts of its last interval, the final "+
				"flush of its shutdown when it shut down cleanly); NULL when it wrote none since this column exists. "+
				"From started_at to last_export, the process ran."),
		commentSQL("TABLE", n.Releases,
			"One row per process that exported with a service and a version default tag, written at its first "+
				"successful export and updated at each: which release ran where, from when (started_at) to when "+
				"(last_export), for release comparisons (pgreader's Reader.Releases and Reader.Compare, the vitals "+
				"compare command)."),
	}
	return execAll(ctx, tx, stmts)
}
