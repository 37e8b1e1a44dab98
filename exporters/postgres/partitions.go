package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// Points are partitioned by UTC day: vitals_points_pYYYYMMDD holds
// [day 00:00 UTC, next day 00:00 UTC), and vitals_points_default catches
// rows of any day without a partition, so a write never fails for want of
// one. Every change to the set of partitions runs under the schema's
// advisory lock (see beginDDL), so any number of processes may run it at
// once.

const partitionPrefix = pgschema.PointsTable + "_p"

// dayOf returns the start of t's UTC day.
func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// partitionName is the unqualified name of day's partition.
func partitionName(day time.Time) string {
	return partitionPrefix + day.UTC().Format("20060102")
}

// parsePartitionName returns the day of a partition name, ok false for a
// table that is not a daily partition.
func parsePartitionName(name string) (day time.Time, ok bool) {
	s, found := strings.CutPrefix(name, partitionPrefix)
	if !found || len(s) != 8 {
		return time.Time{}, false
	}
	day, err := time.Parse("20060102", s)
	return day, err == nil
}

// createPartition creates day's partition unless it exists, moving that
// day's rows out of the default partition in the same transaction; it
// reports whether it created it. The caller holds the advisory lock.
//
// PostgreSQL refuses to add a partition while the default partition holds
// rows that belong to it, so the table is created on its own, filled from
// the default partition, then attached. Locks are taken parent first (as
// writers do) and the default partition is locked before rows are moved,
// so that no writer can slip a row of that day into it before the attach.
func createPartition(ctx context.Context, tx pgx.Tx, n pgschema.Names, day time.Time) (bool, error) {
	day = dayOf(day)
	name := partitionName(day)
	qualified := pgx.Identifier{n.Schema, name}.Sanitize()
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", qualified).Scan(&exists); err != nil {
		return false, fmt.Errorf("partition %s: %w", name, err)
	}
	if exists {
		return false, nil
	}
	from, to := day.Format(time.RFC3339), day.AddDate(0, 0, 1).Format(time.RFC3339)
	stmts := []string{
		"LOCK TABLE " + n.Points + " IN SHARE UPDATE EXCLUSIVE MODE",
		"LOCK TABLE " + n.Default + " IN ACCESS EXCLUSIVE MODE",
		"CREATE TABLE " + qualified + " (LIKE " + n.Points + ")",
		"WITH moved AS (DELETE FROM " + n.Default + " WHERE ts >= '" + from + "' AND ts < '" + to + "' RETURNING *) " +
			"INSERT INTO " + qualified + " SELECT * FROM moved",
		"ALTER TABLE " + n.Points + " ATTACH PARTITION " + qualified + " FOR VALUES FROM ('" + from + "') TO ('" + to + "')",
	}
	for _, stmt := range stmts {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return false, fmt.Errorf("partition %s: %w", name, err)
		}
	}
	return true, nil
}

// partitionDays lists the days that have a partition.
func partitionDays(ctx context.Context, q querier, n pgschema.Names) ([]time.Time, error) {
	rows, err := q.Query(ctx, `
		SELECT c.relname
		FROM pg_inherits i
		JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = to_regclass($1)`, n.Points)
	if err != nil {
		return nil, err
	}
	relnames, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	var days []time.Time
	for _, rel := range relnames {
		if day, ok := parsePartitionName(rel); ok {
			days = append(days, day)
		}
	}
	return days, nil
}

// strayDays lists the UTC days of the rows in the default partition.
func strayDays(ctx context.Context, q querier, n pgschema.Names) ([]time.Time, error) {
	rows, err := q.Query(ctx,
		"SELECT DISTINCT date_trunc('day', ts, 'UTC') FROM "+n.Default)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[time.Time])
}

// querier is a pool, a connection or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// partitions keeps one schema's daily partitions: created ahead and on
// demand, stray rows moved out of the default partition, expired ones
// dropped.
type partitions struct {
	pool      *pgxpool.Pool
	n         pgschema.Names
	ahead     int
	retention time.Duration
	log       *slog.Logger

	mu     sync.Mutex
	known  map[time.Time]bool // days known to have a partition
	failed map[time.Time]bool // days whose creation on demand failed; left to maintain
}

// ensure makes sure the partition of t's day exists before a write, unless
// the day is already past retention (its rows wait in the default partition
// for maintain). A creation refused by the server is logged and the write
// goes on: the default partition takes its rows.
func (p *partitions) ensure(ctx context.Context, t time.Time) error {
	day := dayOf(t)
	p.mu.Lock()
	skip := p.known[day] || p.failed[day] || p.expired(day, time.Now())
	p.mu.Unlock()
	if skip {
		return nil
	}
	if _, err := p.create(ctx, day); err != nil {
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) {
			return err // the write would fail the same way: let it be retried
		}
		p.log.Warn("postgres: cannot create a partition; its rows go to the default partition until maintenance creates it",
			"schema", p.n.Schema, "partition", partitionName(day), "error", err)
		p.mu.Lock()
		p.failed[day] = true
		p.mu.Unlock()
		return nil
	}
	p.mu.Lock()
	p.known[day] = true
	p.mu.Unlock()
	return nil
}

// has reports whether t's day is known to have a partition.
func (p *partitions) has(t time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.known[dayOf(t)]
}

// forget records that t's day was found without a partition (dropped
// behind our back), so that the next ensure creates it again.
func (p *partitions) forget(t time.Time) {
	p.mu.Lock()
	delete(p.known, dayOf(t))
	p.mu.Unlock()
}

// expired reports whether all of day is older than the retention at now.
func (p *partitions) expired(day, now time.Time) bool {
	return !day.AddDate(0, 0, 1).After(now.Add(-p.retention))
}

// create creates day's partition in its own transaction under the
// advisory lock, moving its rows out of the default partition.
func (p *partitions) create(ctx context.Context, day time.Time) (created bool, err error) {
	err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if err := beginDDL(ctx, tx, p.n); err != nil {
			return err
		}
		created, err = createPartition(ctx, tx, p.n, day)
		return err
	})
	return created, err
}

// drop drops day's partition in its own transaction under the advisory
// lock. Rows are never DELETEd: the whole table goes.
func (p *partitions) drop(ctx context.Context, day time.Time) error {
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if err := beginDDL(ctx, tx, p.n); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{p.n.Schema, partitionName(day)}.Sanitize())
		return err
	})
}

// maintain creates the partitions of today and the next p.ahead days,
// gives each day found in the default partition its own partition (moving
// the rows there), and drops the partitions entirely older than the
// retention. Each step is its own short transaction, so that writers wait
// at most for one of them.
func (p *partitions) maintain(ctx context.Context, now time.Time) error {
	existing, err := partitionDays(ctx, p.pool, p.n)
	if err != nil {
		return fmt.Errorf("list partitions: %w", err)
	}
	have := make(map[time.Time]bool, len(existing))
	for _, d := range existing {
		have[d] = true
	}
	var want []time.Time
	for d := 0; d <= p.ahead; d++ {
		want = append(want, dayOf(now).AddDate(0, 0, d))
	}
	stray, err := strayDays(ctx, p.pool, p.n)
	if err != nil {
		return fmt.Errorf("list rows in the default partition: %w", err)
	}
	want = append(want, stray...)
	for _, day := range want {
		day = dayOf(day)
		if have[day] {
			continue
		}
		if _, err := p.create(ctx, day); err != nil {
			return err
		}
		have[day] = true
	}
	var dropped []string
	for day := range have {
		if !p.expired(day, now) {
			continue
		}
		if err := p.drop(ctx, day); err != nil {
			return fmt.Errorf("drop expired partition %s: %w", partitionName(day), err)
		}
		delete(have, day)
		dropped = append(dropped, partitionName(day))
	}
	blockDays, err := p.dropExpiredBlocks(ctx, now) // see blocks_partitions.go; err returned last
	for _, day := range blockDays {
		dropped = append(dropped, blocksPartitionPrefix+day.Format("20060102"))
	}
	if len(dropped) > 0 {
		slices.Sort(dropped)
		p.log.Info("postgres: dropped expired partitions", "schema", p.n.Schema, "partitions", dropped)
	}
	p.mu.Lock()
	p.known, p.failed = have, map[time.Time]bool{}
	p.mu.Unlock()
	return err
}
