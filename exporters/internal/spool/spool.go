package spool

import (
	"errors"
	"log/slog"

	"github.com/vitals-go/vitals/metrics"
)

// Record is one spooled snapshot.
type Record struct {
	Snap   metrics.Snapshot // as it was appended, Seq included
	Points int              // the points the worker counted for it, carried across restarts
}

// ErrLocked is wrapped by the error Open returns when another process (or
// another Spool of this process) holds the directory's lock.
var ErrLocked = errors.New("spool: directory in use by another spool")

// Stats describes what a Spool holds.
type Stats struct {
	Records int   // records not yet popped
	Points  int64 // their points
	Bytes   int64 // the size of the segment files, consumed parts included
	Lost    int64 // points of corrupt or torn records skipped since Open
}

// Spool is a bounded, crash-safe queue of Records in a directory. Its
// methods are safe for concurrent use, but it is meant for one goroutine.
type Spool struct{}

// Open opens dir for one exporter, creating it (0o700) if needed, and takes
// an exclusive lock (flock on dir/LOCK, released when the process dies).
func Open(dir string, maxBytes int64, logger *slog.Logger) (*Spool, error) {
	return nil, errors.New("spool: not implemented yet")
}

// Append writes rec at the end.
func (s *Spool) Append(rec Record) (droppedPoints int, err error) {
	return 0, errors.New("spool: not implemented yet")
}

// Peek returns the oldest record without removing it; ok is false when the
// spool is empty.
func (s *Spool) Peek() (rec Record, ok bool, err error) { return Record{}, false, nil }

// Pop removes the oldest record.
func (s *Spool) Pop() error { return nil }

// Stats returns what the spool holds now.
func (s *Spool) Stats() Stats { return Stats{} }

// Close releases the lock; records stay on disk for the next Open.
func (s *Spool) Close() error { return nil }
