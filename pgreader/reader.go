package pgreader

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/internal/pgschema"
	"github.com/vitals-go/vitals/internal/pgurl"
)

// Reader reads the series and points that Exporters wrote, for a CLI or a
// dashboard that is not itself an exporter. It holds a connection pool; it
// is safe for concurrent use, and Close releases it.
//
// Every query filters vitals_points on series_id = ANY(ids), after resolving
// the ids in vitals_series, so the queries also run on a Citus cluster with
// both tables distributed on the series id (see SCALING.md in
// exporters/postgres).
type Reader struct {
	pool    *pgxpool.Pool
	n       pgschema.Names
	rollups atomic.Bool // the schema has rollup tables, see levels
}

// New connects to cfg.URL and checks that cfg.Schema holds the vitals
// tables (an Exporter creates them when it starts).
//
// Every failure to reach or read the database is returned here, as one
// line that leads with the cause and never shows a password, like the
// errors of exporters/postgres.New: a URL that cannot be parsed or a
// database that cannot be reached gives
// "pgreader: <cause>; URL <the URL, passwords masked>", for instance
//
//	pgreader: database "metrics" does not exist (SQLSTATE 3D000); URL postgres://grafana:xxxxx@db:5432/metrics
//
// (errors.As finds the *pgconn.PgError of a refusal by the server). Unless
// the URL is empty, the error does not name Config.URL, so that a caller
// that read the URL from elsewhere can say where.
func New(ctx context.Context, cfg Config) (*Reader, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	pc, err := pgurl.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("pgreader: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("pgreader: %w", err)
	}
	r := &Reader{pool: pool, n: pgschema.NewNames(cfg.Schema)}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pgreader: %w", pgurl.ConnectError(err, cfg.URL))
	}
	if err := r.checkTables(ctx, pc.ConnConfig.Database); err != nil {
		pool.Close()
		return nil, err
	}
	return r, nil
}

// checkTables makes sure the schema has the vitals tables.
func (r *Reader) checkTables(ctx context.Context, database string) error {
	var ok bool
	err := r.pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL",
		r.n.Series, r.n.Points).Scan(&ok)
	if err != nil {
		return fmt.Errorf("pgreader: look for the vitals tables in schema %q: %w", r.n.Schema, err)
	}
	if !ok {
		return fmt.Errorf("pgreader: schema %q of database %q has no %s and %s tables; an Exporter creates them when it starts",
			r.n.Schema, database, pgschema.SeriesTable, pgschema.PointsTable)
	}
	return nil
}

// Close closes the connections. Calling it more than once is harmless.
func (r *Reader) Close() { r.pool.Close() }
