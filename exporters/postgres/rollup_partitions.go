package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// The rollup tables are partitioned by UTC day (vitals_rollup_1m_pYYYYMMDD)
// and UTC month (vitals_rollup_1h_pYYYYMM). They have no default
// partition: only the rollup maintenance writes them, and it creates the
// partitions it needs first. Like those of vitals_points, partitions are
// created and dropped in short transactions under the schema's advisory
// lock (beginDDL).

// rollupTable is one partitioned rollup table.
type rollupTable struct {
	name   string // unqualified
	layout string // of the partition suffix
	// period returns the bounds of the partition holding t.
	period func(t time.Time) (from, to time.Time)
}

var (
	minuteTable = rollupTable{name: pgschema.Rollup1mTable, layout: "20060102",
		period: func(t time.Time) (time.Time, time.Time) { d := dayOf(t); return d, d.AddDate(0, 0, 1) }}
	hourTable = rollupTable{name: pgschema.Rollup1hTable, layout: "200601",
		period: func(t time.Time) (time.Time, time.Time) {
			y, m, _ := t.UTC().Date()
			from := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
			return from, from.AddDate(0, 1, 0)
		}}
)

// partition returns the unqualified name of the partition holding t, and
// its bounds.
func (rt rollupTable) partition(t time.Time) (name string, from, to time.Time) {
	from, to = rt.period(t)
	return rt.name + "_p" + from.Format(rt.layout), from, to
}

// parse returns the start of the partition called name, ok false for a
// table that is not one of rt's partitions.
func (rt rollupTable) parse(name string) (from time.Time, ok bool) {
	s, found := strings.CutPrefix(name, rt.name+"_p")
	if !found || len(s) != len(rt.layout) {
		return time.Time{}, false
	}
	from, err := time.Parse(rt.layout, s)
	return from, err == nil
}

// ensurePartition creates the partition of rt holding t unless it exists,
// in its own transaction under the advisory lock.
func ensureRollupPartition(ctx context.Context, q beginner, n pgschema.Names, rt rollupTable, t time.Time) error {
	name, from, to := rt.partition(t)
	qualified := pgx.Identifier{n.Schema, name}.Sanitize()
	return pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		if err := beginDDL(ctx, tx, n); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+qualified+" PARTITION OF "+pgx.Identifier{n.Schema, rt.name}.Sanitize()+
			" FOR VALUES FROM ('"+from.Format(time.RFC3339)+"') TO ('"+to.Format(time.RFC3339)+"')")
		if err != nil {
			return fmt.Errorf("partition %s: %w", name, err)
		}
		return nil
	})
}

// dropExpiredRollupPartitions drops the partitions of rt that ended before
// cutoff, each in its own transaction under the advisory lock, and returns
// their names.
func dropExpiredRollupPartitions(ctx context.Context, q beginner, n pgschema.Names, rt rollupTable, cutoff time.Time) ([]string, error) {
	rows, err := q.Query(ctx, `
		SELECT c.relname
		FROM pg_inherits i
		JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = to_regclass($1)
		ORDER BY 1`, pgx.Identifier{n.Schema, rt.name}.Sanitize())
	if err != nil {
		return nil, fmt.Errorf("list the partitions of %s: %w", rt.name, err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list the partitions of %s: %w", rt.name, err)
	}
	var dropped []string
	for _, name := range names {
		from, ok := rt.parse(name)
		if !ok {
			continue
		}
		if _, _, to := rt.partition(from); to.After(cutoff) {
			continue
		}
		err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
			if err := beginDDL(ctx, tx, n); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{n.Schema, name}.Sanitize())
			return err
		})
		if err != nil {
			return dropped, fmt.Errorf("drop expired partition %s: %w", name, err)
		}
		dropped = append(dropped, name)
	}
	return dropped, nil
}

// beginner is a pool: it begins transactions and runs queries.
type beginner interface {
	querier
	Begin(ctx context.Context) (pgx.Tx, error)
}
