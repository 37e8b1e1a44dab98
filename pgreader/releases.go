package pgreader

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Release is one version of a service, as the exporters of its processes
// recorded it in vitals_releases.
type Release struct {
	Service, Version string
	// FirstStart and LastStart are the start times of the first and the
	// last process of the version that recorded itself.
	FirstStart, LastStart time.Time
	// LastExport is the time of the last export of any of its processes
	// (the final flush of the last to shut down); zero when none recorded
	// one (rows of an exporter older than vitals_releases.last_export).
	LastExport time.Time
	// Hosts is the number of distinct hosts that ran the version.
	Hosts int
}

// Releases returns the versions of service recorded in vitals_releases,
// ordered by FirstStart ascending (then by version, for equal starts). A
// service without releases yields an empty slice and no error; an empty
// service is an ErrInvalidQuery error.
//
// vitals_releases is small (one row per process start); under Citus it is a
// reference table, so this query runs on any node.
func (r *Reader) Releases(ctx context.Context, service string) ([]Release, error) {
	if service == "" {
		return nil, fmt.Errorf("%w: releases: service is required", ErrInvalidQuery)
	}
	rels, err := r.releases(ctx, r.pool, service)
	if err != nil {
		return nil, fmt.Errorf("pgreader: releases of %q: %w", service, err)
	}
	return rels, nil
}

// releases reads the releases of service through db.
func (r *Reader) releases(ctx context.Context, db querier, service string) ([]Release, error) {
	// last_export is read through to_jsonb, as in runsSQL.
	rows, err := db.Query(ctx, `SELECT version, min(started_at), max(started_at),
			max((to_jsonb(r) ->> 'last_export')::timestamptz), count(DISTINCT host)
		FROM `+r.n.Releases+` AS r
		WHERE service = $1
		GROUP BY version
		ORDER BY min(started_at), version`, service)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Release, error) {
		rel := Release{Service: service}
		var last pgtype.Timestamptz
		err := row.Scan(&rel.Version, &rel.FirstStart, &rel.LastStart, &last, &rel.Hosts)
		if last.Valid {
			rel.LastExport = last.Time
		}
		return rel, err
	})
}
