package pgreader

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vitals-go/vitals/compare"
)

// runsSQL reads the processes of a release from vitals_releases, %s. It
// reads last_export through to_jsonb, so that it also runs on a schema
// that an older exporter migrated, without that column: every End is then
// unknown.
const runsSQL = `
SELECT host, started_at, (to_jsonb(r) ->> 'last_export')::timestamptz
FROM %s AS r
WHERE service = $1 AND version = $2
ORDER BY host, started_at`

// Runs returns the processes of release version of service, from
// vitals_releases: host, start, and last export (its End zero when the
// row has none).
func (s source) Runs(ctx context.Context, service, version string) ([]compare.Run, error) {
	rows, err := s.tx.Query(ctx, fmt.Sprintf(runsSQL, s.r.n.Releases), service, version)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (compare.Run, error) {
		var run compare.Run
		var end pgtype.Timestamptz
		if err := row.Scan(&run.Host, &run.Start, &end); err != nil {
			return run, err
		}
		if end.Valid {
			run.End = end.Time
		}
		return run, nil
	})
}
