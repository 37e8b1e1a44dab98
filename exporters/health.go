package exporters

import "time"

// ExporterHealth describes one exporter of a Reporter, for health reports.
// The counts are the exporter's self-metrics (see the package
// documentation): cumulative in the registry, in points except Retries.
type ExporterHealth struct {
	Name        string
	LastSuccess time.Time // when the backend last accepted a snapshot, wholly or in part; zero if never
	LastError   string    // the last error of Export, a rejection included; "" if none
	LastErrorAt time.Time // when LastError happened; zero if never
	Queued      int       // snapshots waiting in memory, the one being exported included (see Spool for those on disk)
	Exported    int64     // points the backend accepted
	Rejected    int64     // points the backend refused as invalid
	Dropped     int64     // points never delivered: pushed out of a full queue, left at Shutdown's deadline, or removed by the spool
	Retries     int64     // Export calls that offered a snapshot again after a transient error
	Spool       SpoolHealth
}

// SpoolHealth describes an exporter's disk spool (see Config.SpoolDir).
// Its points are counted in none of ExporterHealth's counts until they
// leave the spool: exported or rejected when replayed, dropped when the
// spool removes them.
type SpoolHealth struct {
	Dir string // the exporter's spool directory; "" when Config.SpoolDir is unset
	// Error says why the exporter runs without its spool: the directory is
	// used by another process (the error names its pid; retried every
	// minute, and cleared once the directory is opened) or cannot be
	// created or read. "" while the spool works.
	Error   string
	Records int   // snapshots on disk, waiting for the backend
	Points  int64 // their points
	Bytes   int64 // the size of the spool's files
	Dropped int64 // points the spool removed (its cap, corrupt records); part of ExporterHealth.Dropped
}

// Health returns the state of every exporter, sorted by name. It is safe
// to call at any time, also after Shutdown.
func (r *Reporter) Health() []ExporterHealth {
	out := make([]ExporterHealth, len(r.workers))
	for i, w := range r.workers {
		out[i] = w.health()
	}
	return out
}

func (w *worker) health() ExporterHealth {
	w.mu.Lock()
	h := ExporterHealth{
		Name:        w.name,
		LastSuccess: w.lastSuccess.Round(0), // Round(0) drops the monotonic reading
		LastError:   w.lastError,
		LastErrorAt: w.lastErrorAt.Round(0),
		Queued:      w.q.len(),
	}
	w.mu.Unlock()
	h.Exported = w.self.exported.Count()
	h.Rejected = w.self.rejected.Count()
	h.Dropped = w.self.dropped.Count()
	h.Retries = w.self.retries.Count()
	h.Spool = w.spool.health()
	return h
}
