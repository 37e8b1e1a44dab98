package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// migrate3 makes the schema readable by a person writing SQL (see "SQL" in
// the package documentation, and SQL.md): the functions of bucket bounds,
// merged buckets and their quantiles, and of the increase of a cumulative
// total; the view vitals_points_named of points with their series' name,
// tags, kind and unit; and a COMMENT on every table, column, view,
// function and type.
func migrate3(ctx context.Context, tx pgx.Tx, n pgschema.Names, _ time.Time) error {
	var stmts []string
	stmts = append(stmts, bucketFunctionsSQL(n)...)
	stmts = append(stmts, quantileFunctionsSQL(n)...)
	stmts = append(stmts, increaseFunctionSQL(n)...)
	stmts = append(stmts, namedPointsViewSQL(n, n.Points))
	stmts = append(stmts, namedPointsCommentsSQL(n)...)
	stmts = append(stmts, tableCommentsSQL(n)...)
	return execAll(ctx, tx, stmts)
}
