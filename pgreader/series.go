package pgreader

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/internal/pgschema"
	"github.com/vitals-go/vitals/metrics"
)

// SeriesInfo describes one series, a row of vitals_series.
type SeriesInfo struct {
	ID        int64         // the stored id: postgres.SeriesID of the name and tags
	Name      string        // the metric name
	Tags      metrics.Tags  // every tag, including host, service and version
	Kind      metrics.Kind  // as the exporter stored it
	Unit      time.Duration // of the values: time.Nanosecond for timers, 0 when they are not durations
	FirstSeen time.Time     // when an exporter first wrote the series
}

// Series returns the series called name ("" matches every name) whose tags
// contain every key and value of tagFilter (nil or empty matches any tags),
// sorted by ID. No match is not an error: the result is then empty.
//
// The tag filter is a jsonb containment test (tags @> filter), answered by
// the GIN index on vitals_series.tags.
func (r *Reader) Series(ctx context.Context, name string, tagFilter metrics.Tags) ([]SeriesInfo, error) {
	infos, err := r.series(ctx, r.pool, name, tagFilter)
	if err != nil {
		return nil, fmt.Errorf("pgreader: series: %w", err)
	}
	return infos, nil
}

// querier is what the queries need of a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// series reads the vitals_series rows that Series selects, through db.
func (r *Reader) series(ctx context.Context, db querier, name string, tagFilter metrics.Tags) ([]SeriesInfo, error) {
	where, args := seriesWhere(name, tagFilter)
	rows, err := db.Query(ctx,
		"SELECT id, name, tags, kind, unit, first_seen FROM "+r.n.Series+where+" ORDER BY id", args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (SeriesInfo, error) {
		var s SeriesInfo
		var kind, unit string
		if err := row.Scan(&s.ID, &s.Name, &s.Tags, &kind, &unit, &s.FirstSeen); err != nil {
			return s, err
		}
		var ok bool
		if s.Kind, ok = pgschema.Kind(kind); !ok {
			return s, fmt.Errorf("series %d (%s) has kind %q, unknown to this version of vitals", s.ID, s.Name, kind)
		}
		var err error
		if s.Unit, err = parseUnit(unit); err != nil {
			return s, fmt.Errorf("series %d (%s): %w", s.ID, s.Name, err)
		}
		return s, nil
	})
}

// units are the values of vitals_series.unit, metrics.Series.Unit as the
// exporter stored it: "" for values without a unit, "ns" for timers.
var units = map[string]time.Duration{"": 0, "ns": time.Nanosecond}

// parseUnit reads vitals_series.unit.
func parseUnit(unit string) (time.Duration, error) {
	d, ok := units[unit]
	if !ok {
		return 0, fmt.Errorf("unit %q is not a unit of time known to this version of vitals", unit)
	}
	return d, nil
}

// seriesWhere returns the WHERE clause (with a leading space, or "") and the
// arguments that select vitals_series rows by name and tag containment.
func seriesWhere(name string, tagFilter metrics.Tags) (string, []any) {
	var conds []string
	var args []any
	if name != "" {
		args = append(args, name)
		conds = append(conds, fmt.Sprintf("name = $%d", len(args)))
	}
	if len(tagFilter) > 0 {
		args = append(args, map[string]string(tagFilter)) // encoded as a jsonb object
		conds = append(conds, fmt.Sprintf("tags @> $%d::jsonb", len(args)))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}
