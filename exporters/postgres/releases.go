package postgres

import (
	"context"
	"os"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// processStart is the start time of this process, as recorded in
// vitals_releases: the time this package was initialised.
var processStart = time.Now()

// releaseOf returns the service, version and host of snap's default tags,
// and whether the snapshot names a release (service and version both set).
func releaseOf(snap metrics.Snapshot) (service, version, host string, ok bool) {
	for _, t := range snap.DefaultTags {
		switch t.Key {
		case metrics.TagService:
			service = t.Value
		case metrics.TagVersion:
			version = t.Value
		case metrics.TagHost:
			host = t.Value
		}
	}
	return service, version, host, service != "" && version != ""
}

// recordRelease records this process in vitals_releases, from snap's
// default tags (service, version, host), os.Getpid() and processStart, and
// sets its last_export to snap.Time: Export calls it after each successful
// write, so that the row says when the process ran, from started_at to
// the final flush of its shutdown (or its last export before it died).
// It costs one statement per flush, an upsert of that one row that never
// moves last_export back, so a retried or late snapshot is harmless.
//
// A snapshot without a service or a version tag records nothing (logged
// once). A failure is logged and the next flush sets the row again; it
// never fails the Export.
//
// It is not safe for concurrent use with itself, no more than Export.
func (e *Exporter) recordRelease(ctx context.Context, snap metrics.Snapshot) {
	service, version, host, ok := releaseOf(snap)
	if !ok {
		if !e.releaseRecorded.Swap(true) {
			e.log.Debug("postgres: no service or version default tag: this process is not recorded as a release",
				"schema", e.cfg.Schema)
		}
		return
	}
	_, err := e.pool.Exec(ctx, `INSERT INTO `+e.n.Releases+` AS r (service, version, host, pid, started_at, last_export)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (service, version, host, pid, started_at)
		DO UPDATE SET last_export = greatest(r.last_export, excluded.last_export)`,
		service, version, host, int32(os.Getpid()), processStart, snap.Time)
	if err != nil {
		e.log.Warn("postgres: cannot record the release; retrying at the next export",
			"schema", e.cfg.Schema, "service", service, "version", version, "error", err)
		return
	}
	e.releaseRecorded.Store(true)
}
