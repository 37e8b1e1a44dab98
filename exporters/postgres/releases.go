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
