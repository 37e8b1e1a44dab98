package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// ErrNoSeries is returned, wrapped with the details, by Range when no series
// matches its query. Test for it with errors.Is.
var ErrNoSeries = errors.New("postgres: no such series")

// Reader reads the series and points that Exporters wrote, for a CLI or a
// dashboard that is not itself an exporter. It holds a connection pool; it
// is safe for concurrent use, and Close releases it.
//
// Every query filters vitals_points on series_id = ANY(ids), after resolving
// the ids in vitals_series, so the queries also run on a Citus cluster with
// both tables distributed on the series id (see SCALING.md).
type Reader struct {
	pool *pgxpool.Pool
	n    pgschema.Names
}

// SeriesInfo describes one series, a row of vitals_series.
type SeriesInfo struct {
	ID        int64             // SeriesID of the name and tags
	Name      string            // the metric name
	Tags      map[string]string // every tag, including host, service and version
	Kind      string            // counter, gauge, gauge_float64, meter, histogram or timer
	Unit      string            // "ns" for timers, "" otherwise
	FirstSeen time.Time         // when an exporter first wrote the series
}

// NewReader connects to the database at url (a PostgreSQL URL or key=value
// connection string, as pgx accepts; pgxpool parameters such as
// pool_max_conns are honoured) and reads the tables in schema, "" meaning
// "public".
//
// It returns an error, without a password in it, when the URL cannot be
// parsed, the server cannot be reached, authentication fails, the database
// does not exist, or the schema has no vitals tables (an Exporter creates
// them when it starts). The connection errors wrap pgx's, so a
// *pgconn.PgError can be inspected with errors.As.
func NewReader(ctx context.Context, url, schema string) (*Reader, error) {
	if url == "" {
		return nil, errors.New("postgres: NewReader: url is required")
	}
	if schema == "" {
		schema = defaultSchema
	}
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors redact the password.
		return nil, fmt.Errorf("postgres: NewReader: invalid url: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("postgres: NewReader: %w", err)
	}
	r := &Reader{pool: pool, n: pgschema.NewNames(schema)}
	if err := r.check(ctx, pc.ConnConfig.Database); err != nil {
		pool.Close()
		return nil, err
	}
	return r, nil
}

// check connects once and makes sure the schema has the vitals tables.
func (r *Reader) check(ctx context.Context, database string) error {
	if err := r.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: NewReader: cannot connect: %w", err)
	}
	var ok bool
	err := r.pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL",
		r.n.Series, r.n.Points).Scan(&ok)
	if err != nil {
		return fmt.Errorf("postgres: NewReader: look for the vitals tables: %w", err)
	}
	if !ok {
		return fmt.Errorf("postgres: NewReader: schema %q of database %q has no vitals_series and vitals_points tables; an Exporter creates them when it starts",
			r.n.Schema, database)
	}
	return nil
}

// Close closes the connections. Calling it more than once is harmless.
func (r *Reader) Close() { r.pool.Close() }

// Series returns the series called name ("" matches every name) whose tags
// contain every key and value of tagFilter (nil or empty matches any tags),
// sorted by ID. No match is not an error: the result is then empty.
//
// The tag filter is a jsonb containment test (tags @> filter), answered by
// the GIN index on vitals_series.tags.
func (r *Reader) Series(ctx context.Context, name string, tagFilter map[string]string) ([]SeriesInfo, error) {
	where, args := seriesWhere(name, tagFilter)
	rows, err := r.pool.Query(ctx,
		"SELECT id, name, tags, kind, unit, first_seen FROM "+r.n.Series+where+" ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: series: %w", err)
	}
	infos, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SeriesInfo, error) {
		var s SeriesInfo
		err := row.Scan(&s.ID, &s.Name, &s.Tags, &s.Kind, &s.Unit, &s.FirstSeen)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: series: %w", err)
	}
	return infos, nil
}

// seriesWhere returns the WHERE clause (with a leading space, or "") and the
// arguments that select vitals_series rows by name and tag containment.
func seriesWhere(name string, tagFilter map[string]string) (string, []any) {
	var conds []string
	var args []any
	if name != "" {
		args = append(args, name)
		conds = append(conds, fmt.Sprintf("name = $%d", len(args)))
	}
	if len(tagFilter) > 0 {
		args = append(args, tagFilter) // encoded as a jsonb object
		conds = append(conds, fmt.Sprintf("tags @> $%d::jsonb", len(args)))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}
