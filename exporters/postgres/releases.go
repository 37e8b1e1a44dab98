package postgres

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/metrics"
)

// processStart is the start time of this process, as recorded in
// vitals_releases: the time this package was initialised.
var processStart = time.Now()

// Release is one version of a service, as the exporters of its processes
// recorded it in vitals_releases.
type Release struct {
	Service, Version string
	// FirstStart and LastStart are the start times of the first and the
	// last process of the version that recorded itself.
	FirstStart, LastStart time.Time
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
	return r.releases(ctx, r.pool, service)
}

// rowQuerier is what Releases needs of a pool or a transaction.
type rowQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func (r *Reader) releases(ctx context.Context, db rowQuerier, service string) ([]Release, error) {
	rows, err := db.Query(ctx, `SELECT version, min(started_at), max(started_at), count(DISTINCT host)
		FROM `+r.n.Releases+`
		WHERE service = $1
		GROUP BY version
		ORDER BY min(started_at), version`, service)
	if err != nil {
		return nil, fmt.Errorf("postgres: releases of %q: %w", service, err)
	}
	rels, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Release, error) {
		rel := Release{Service: service}
		err := row.Scan(&rel.Version, &rel.FirstStart, &rel.LastStart, &rel.Hosts)
		return rel, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: releases of %q: %w", service, err)
	}
	return rels, nil
}

// releaseOf returns the service, version and host of snap's default tags,
// and whether the snapshot names a release (service and version both set).
func releaseOf(snap metrics.Snapshot) (service, version, host string, ok bool) {
	for _, t := range snap.DefaultTags {
		switch t.Key {
		case "service":
			service = t.Value
		case "version":
			version = t.Value
		case "host":
			host = t.Value
		}
	}
	return service, version, host, service != "" && version != ""
}

// recordRelease records this process in vitals_releases once: at the first
// call after a successful write, from snap's default tags (service, version,
// host), os.Getpid() and processStart. A snapshot without a service or a
// version tag records nothing, and neither does any later call. A failure
// is logged and the next call tries again; it never fails the Export.
//
// Export calls it; it is not safe for concurrent use with itself, no more
// than Export.
func (e *Exporter) recordRelease(ctx context.Context, snap metrics.Snapshot) {
	if e.releaseRecorded.Load() {
		return
	}
	service, version, host, ok := releaseOf(snap)
	if !ok {
		e.releaseRecorded.Store(true)
		e.log.Debug("postgres: no service or version default tag: this process is not recorded as a release",
			"schema", e.cfg.Schema)
		return
	}
	_, err := e.pool.Exec(ctx, `INSERT INTO `+e.n.Releases+` (service, version, host, pid, started_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
		service, version, host, int32(os.Getpid()), processStart)
	if err != nil {
		e.log.Warn("postgres: cannot record the release; retrying at the next export",
			"schema", e.cfg.Schema, "service", service, "version", version, "error", err)
		return
	}
	e.releaseRecorded.Store(true)
}
