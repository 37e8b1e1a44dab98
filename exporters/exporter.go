package exporters

import (
	"context"
	"errors"
	"fmt"

	"github.com/vitals-go/vitals/metrics"
)

// Exporter sends snapshots to one backend. The Reporter calls Export and
// Shutdown from one goroutine per exporter, never concurrently. The
// snapshot is shared with the Reporter's other exporters: read it, never
// modify it. Export and Shutdown must return soon after ctx is done: the
// Reporter bounds each Export with Config.Timeout and cancels it when the
// context given to Reporter.Shutdown ends.
//
// Export's error decides what happens to the snapshot:
//
//   - nil: delivered.
//   - an error wrapping ErrRejected (see Rejected): the backend refused some
//     or all of the points as invalid. They are counted as rejected and not
//     retried; the rest counts as exported.
//   - any other error: transient. The same snapshot is offered again after a
//     backoff, until it succeeds, is pushed out of the full queue, or
//     Shutdown's deadline passes. An exporter that delivered part of a
//     snapshot before failing should send only the rest when it is offered
//     again, so that a retry never duplicates a point, and say how much it
//     delivered with Partial: the Reporter then counts those points as
//     exported, and only the others as dropped if the snapshot is given up.
//
// Snapshot.Seq tells the calls apart: the Reporter offers snapshots in the
// order of their Seq, each one interval of the registry, and offers a
// snapshot again, Seq included, only to retry it. So an Export whose
// snap.Seq equals that of the previous call is a retry, and a Seq more
// than one above it means that snapshots in between were dropped. A Seq of
// 0 comes from a caller other than the Reporter (a Peek, a snapshot built
// by hand) and is never a retry. With a spool (Config.SpoolDir), replayed
// snapshots take turns with fresh ones, so Seqs are not in order, and
// those spooled by an earlier process carry Seqs of 2⁶³ and more (see the
// package documentation); a retry is still the only call with the Seq of
// the previous one.
type Exporter interface {
	Export(ctx context.Context, snap metrics.Snapshot) error
	// Shutdown stops the exporter; the Reporter calls it once, after the
	// last Export. Every exporter of this module keeps one contract:
	//
	//   - From the moment Shutdown is called, Export returns ErrShutdown.
	//   - Shutdown waits for an Export in progress until ctx ends; then it
	//     interrupts that Export (cancels its context) and, once the Export
	//     has returned, releases the exporter's connections all the same and
	//     returns an error wrapping ctx's error that says it interrupted an
	//     Export. Without an Export in progress it succeeds even if ctx has
	//     already ended.
	//   - An exporter that cannot interrupt the call its Export is blocked
	//     in (the console's Write on an io.Writer) abandons that Export
	//     instead: Shutdown returns when ctx ends, and the Export returns
	//     when the call does.
	//   - A second Shutdown returns ErrShutdown.
	Shutdown(ctx context.Context) error
}

// PointCounter is implemented by exporters that send a snapshot as some
// other number of points than one per series (OpenTSDB sends one per field).
// The Reporter counts exported, rejected and dropped data in these points.
// Points is called once per snapshot on the Reporter's ticking goroutine,
// so it must be fast and must not block.
type PointCounter interface {
	Points(snap metrics.Snapshot) int
}

// ErrShutdown is returned by a second Shutdown, and by a Reporter used after
// its Shutdown.
var ErrShutdown = errors.New("exporters: already shut down")

// ErrRejected marks points the backend refused as invalid; they are not
// retried. Test for it with errors.Is, and read the count with errors.As and
// *RejectedError.
var ErrRejected = errors.New("rejected by the backend")

// RejectedError reports that the backend refused Points points of a snapshot
// (all of them when Points is negative) and accepted the others.
type RejectedError struct {
	Points int   // how many were refused; negative for all of them
	Err    error // why, as the backend said it
}

// Rejected returns an error saying that n points of a snapshot were refused
// as invalid (n < 0: all of them) because of err.
func Rejected(n int, err error) error { return &RejectedError{Points: n, Err: err} }

// Error describes the rejection.
func (e *RejectedError) Error() string {
	if e.Points < 0 {
		return fmt.Sprintf("exporters: all points rejected: %v", e.Err)
	}
	return fmt.Sprintf("exporters: %d points rejected: %v", e.Points, e.Err)
}

// Unwrap returns ErrRejected and the backend's reason, for errors.Is.
func (e *RejectedError) Unwrap() []error { return []error{ErrRejected, e.Err} }

// PartialError is a transient failure of an Export that had already
// delivered some of the snapshot's points, in this or earlier attempts.
type PartialError struct {
	Delivered int   // points of the snapshot stored by the backend so far, in all
	Err       error // why the rest was not
}

// Partial returns a transient error saying that delivered points of the
// snapshot (counted as PointCounter counts them, over every attempt so far)
// are stored and the rest failed because of err.
func Partial(delivered int, err error) error { return &PartialError{Delivered: delivered, Err: err} }

// Error describes the failure.
func (e *PartialError) Error() string {
	return fmt.Sprintf("%v (%d points of the snapshot delivered)", e.Err, e.Delivered)
}

// Unwrap returns the reason the rest was not delivered.
func (e *PartialError) Unwrap() error { return e.Err }
