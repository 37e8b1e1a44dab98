package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// lockKey is the pg_advisory_xact_lock key that serialises DDL on one
// schema (migrations, partition creation, retention) across processes:
// FNV-1a 64 of "vitals", a zero byte and the schema name.
func lockKey(schema string) int64 {
	h := uint64(fnvOffset)
	h = fnvString(h, "vitals")
	h = fnvByte(h, 0)
	h = fnvString(h, schema)
	return int64(h)
}

// beginDDL readies tx for changing the schema's tables. It takes the
// schema's advisory lock for the rest of tx and, when the tables are owned
// by another role, one that the connected role is a member of (see
// checkPrivileges), acts as that role for the rest of tx: the tables and
// every partition then keep one owner, whichever member creates them, and
// each member may write into and drop the partitions created by another.
func beginDDL(ctx context.Context, tx pgx.Tx, n pgschema.Names) error {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey(n.Schema)); err != nil {
		return fmt.Errorf("advisory lock: %w", err)
	}
	var owner string
	err := tx.QueryRow(ctx, `
		SELECT coalesce((
			SELECT o.rolname FROM pg_class c
			JOIN pg_namespace s ON s.oid = c.relnamespace
			JOIN pg_roles o ON o.oid = c.relowner
			WHERE s.nspname = $1 AND c.relname = $2 AND o.rolname <> current_user), '')`,
		n.Schema, pgschema.PointsTable).Scan(&owner)
	if err != nil {
		return fmt.Errorf("find the owner of the tables: %w", err)
	}
	if owner == "" {
		return nil
	}
	if _, err := tx.Exec(ctx, "SET LOCAL ROLE "+pgx.Identifier{owner}.Sanitize()); err != nil {
		return fmt.Errorf("act as role %q, owner of the tables: %w", owner, err)
	}
	return nil
}

// migration brings a schema from version-1 to version. It runs inside the
// migrating transaction, under the advisory lock.
type migration func(ctx context.Context, tx pgx.Tx, n pgschema.Names, now time.Time) error

// execAll runs stmts in tx in order; an error names the statement that
// failed by its start.
func execAll(ctx context.Context, tx pgx.Tx, stmts []string) error {
	for _, stmt := range stmts {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%.60s...: %w", strings.Join(strings.Fields(stmt), " "), err)
		}
	}
	return nil
}

// migrations are applied in order; migrations[i] creates version i+1.
// Append new ones, never edit the applied ones.
var migrations = []migration{migrate1, migrate2, migrate3, migrate4, migrate5, migrate6, migrate7, migrate8, migrate9}

// migrate creates the schema if needed, then applies the missing numbered
// migrations in order (the first creates the tables), in one transaction
// under the schema's advisory lock, so that many processes starting at
// once against a fresh database apply each migration exactly once.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	return migrateAt(ctx, pool, schema, time.Now())
}

func migrateAt(ctx context.Context, pool *pgxpool.Pool, schema string, now time.Time) error {
	return migrateTo(ctx, pool, schema, now, len(migrations))
}

// migrateTo applies the migrations up to version target, as a release of
// vitals that knew only those would.
func migrateTo(ctx context.Context, pool *pgxpool.Pool, schema string, now time.Time, target int) error {
	n := pgschema.NewNames(schema)
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := beginDDL(ctx, tx, n); err != nil {
			return err
		}
		if err := createSchema(ctx, tx, n); err != nil {
			return err
		}
		version, err := schemaVersion(ctx, tx, n)
		if err != nil {
			return err
		}
		if version > len(migrations) {
			return fmt.Errorf("schema %s is at version %d, newer than this code knows (%d): upgrade vitals",
				n.Quoted, version, len(migrations))
		}
		for v := version + 1; v <= target; v++ {
			if err := migrations[v-1](ctx, tx, n, now); err != nil {
				return fmt.Errorf("migration %d: %w", v, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO "+n.Version+" (version) VALUES ($1)", v); err != nil {
				return fmt.Errorf("migration %d: record version: %w", v, err)
			}
		}
		return nil
	})
}

// createSchema creates the schema unless it exists. It does not run
// CREATE SCHEMA IF NOT EXISTS on an existing schema, which PostgreSQL
// refuses to a role without CREATE on the database: a role given only an
// existing schema must be able to use it.
func createSchema(ctx context.Context, tx pgx.Tx, n pgschema.Names) error {
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)", n.Schema).Scan(&exists); err != nil {
		return fmt.Errorf("look for schema %s: %w", n.Quoted, err)
	}
	if exists {
		return nil
	}
	if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+n.Quoted); err != nil {
		return fmt.Errorf("create schema %s: %w", n.Quoted, err)
	}
	return nil
}

// schemaVersion returns the highest applied migration, 0 for none.
func schemaVersion(ctx context.Context, tx pgx.Tx, n pgschema.Names) (int, error) {
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", n.Version).Scan(&exists); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM "+n.Version).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// migrate1 is the schema of the shared contract: series, points partitioned
// by day, the default partition, and today's and the next
// defaultPartitionsAhead days' partitions. The schema itself is created
// before, by createSchema.
func migrate1(ctx context.Context, tx pgx.Tx, n pgschema.Names, now time.Time) error {
	ddl := []string{
		`CREATE TABLE ` + n.Version + ` (
			version    int NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`,
		`CREATE TABLE ` + n.Series + ` (
			id         bigint PRIMARY KEY,
			name       text   NOT NULL,
			tags       jsonb  NOT NULL,
			kind       text   NOT NULL,
			unit       text   NOT NULL DEFAULT '',
			first_seen timestamptz NOT NULL DEFAULT now()
		)`,
		"CREATE INDEX vitals_series_name_idx ON " + n.Series + " (name)",
		"CREATE INDEX vitals_series_tags_idx ON " + n.Series + " USING gin (tags jsonb_path_ops)",
		// Fixed-width 8-byte columns first so rows carry no alignment
		// padding; the variable-length arrays last.
		`CREATE TABLE ` + n.Points + ` (
			series_id  bigint NOT NULL,
			ts         timestamptz NOT NULL,
			total      bigint,
			count      bigint,
			sum        bigint,
			min        bigint,
			max        bigint,
			value      double precision,
			mean       double precision,
			stddev     double precision,
			p50        double precision,
			p75        double precision,
			p95        double precision,
			p99        double precision,
			p999       double precision,
			rate1      double precision,
			rate5      double precision,
			rate15     double precision,
			rate_mean  double precision,
			bucket_idx integer[],
			bucket_cnt bigint[],
			PRIMARY KEY (series_id, ts)
		) PARTITION BY RANGE (ts)`,
		"CREATE TABLE " + n.Default + " PARTITION OF " + n.Points + " DEFAULT",
	}
	for _, stmt := range ddl {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	for d := 0; d <= defaultPartitionsAhead; d++ {
		if _, err := createPartition(ctx, tx, n, dayOf(now).AddDate(0, 0, d)); err != nil {
			return err
		}
	}
	return nil
}

// migrate2 adds vitals_releases, the release markers: one row per process
// (service, version, host, pid, start time), written by the Exporter at its
// first successful Export and read by pgreader's Reader.Releases and
// Reader.Compare. It stays small (one row per process start), so under
// Citus it is a reference table (see SCALING.md).
func migrate2(ctx context.Context, tx pgx.Tx, n pgschema.Names, _ time.Time) error {
	ddl := []string{
		`CREATE TABLE ` + n.Releases + ` (
			service    text        NOT NULL,
			version    text        NOT NULL,
			host       text        NOT NULL,
			pid        integer     NOT NULL,
			started_at timestamptz NOT NULL,
			PRIMARY KEY (service, version, host, pid, started_at)
		)`,
	}
	for _, stmt := range ddl {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}
