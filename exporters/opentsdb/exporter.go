package opentsdb

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/internal/tsdb"
	"github.com/vitals-go/vitals/metrics"
)

// Exporter sends snapshots to OpenTSDB. Create it with New. Like every
// exporters.Exporter it is meant for one caller at a time (the Reporter):
// concurrent Export calls are serialized.
type Exporter struct {
	cfg settings

	// lock is held by Export and Shutdown: a channel, so that waiting for
	// it can respect a context.
	lock   chan struct{}
	closed atomic.Bool // Shutdown was called

	// closing ends the context of a running Export when a Shutdown stops
	// waiting for it.
	closing   context.Context
	interrupt context.CancelCauseFunc

	points []tsdb.Point // reused by every Export; guarded by lock

	http   *httpSender   // for http:// and https:// URLs
	telnet *telnetSender // for tcp:// URLs
}

// Compile-time checks that Exporter is what the Reporter expects.
var (
	_ exporters.Exporter     = (*Exporter)(nil)
	_ exporters.PointCounter = (*Exporter)(nil)
)

// ErrInvalidPoint is the reason, in the exporters.RejectedError that
// Export returns, for the points not sent because OpenTSDB cannot store
// them. It is the same value as console.ErrInvalidPoint.
var ErrInvalidPoint = tsdb.ErrInvalidPoint

// New validates cfg and returns an Exporter. It does not connect: the first
// Export does.
func New(cfg Config) (*Exporter, error) {
	s, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	e := &Exporter{cfg: s, lock: make(chan struct{}, 1)}
	e.closing, e.interrupt = context.WithCancelCause(context.Background())
	switch s.proto {
	case protoHTTP:
		e.http = newHTTPSender(s)
	case protoTelnet:
		e.telnet = newTelnetSender(s)
	}
	return e, nil
}

// Export sends every point of snap that it has not sent before (see the
// package documentation on retries). A nil error means every point was
// accepted; an error wrapping exporters.ErrRejected that the rest was, and
// counts the points refused as invalid, by the TSD or already here (NaN,
// too many tags, ...: those wrap ErrInvalidPoint); any other error is
// transient: the Reporter offers the same snapshot again, and only what is
// still missing is sent then.
//
// Export returns soon after ctx ends, and after a Shutdown whose context
// ended while it ran, whatever state the TSD is in: no call it makes
// outlasts ctx or Config.Timeout. Once Shutdown was called, it returns
// exporters.ErrShutdown.
func (e *Exporter) Export(ctx context.Context, snap metrics.Snapshot) error {
	if e.closed.Load() {
		return exporters.ErrShutdown
	}
	if err := e.acquire(ctx); err != nil {
		return fmt.Errorf("opentsdb: Export's context ended while another Export or Shutdown ran: %w", err)
	}
	defer e.release()
	if e.closed.Load() {
		return exporters.ErrShutdown
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("opentsdb: Export's context had ended: %w", err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	defer context.AfterFunc(e.closing, func() { cancel(context.Cause(e.closing)) })()
	var invalid int
	e.points, invalid = tsdb.Flatten(e.points[:0], snap, e.cfg.flatten)
	var (
		rejected int
		reason   error
		err      error
	)
	if e.http != nil {
		rejected, reason, err = e.http.export(ctx, snap.Seq, e.points)
	} else {
		err = e.telnet.export(ctx, snap.Seq, e.points)
	}
	clear(e.points) // let the snapshot's strings go
	if err != nil {
		var delivered int
		if e.http != nil {
			delivered = e.http.delivered()
		} else {
			delivered = e.telnet.delivered()
		}
		if delivered > 0 { // so that the Reporter counts them if it gives the snapshot up
			return exporters.Partial(delivered, err)
		}
		return err
	}
	if invalid > 0 {
		invalidErr := fmt.Errorf("%d points not sent (MaxTags is %d): %w", invalid, e.cfg.flatten.MaxTags, ErrInvalidPoint)
		reason = errors.Join(reason, invalidErr)
		rejected += invalid
	}
	if rejected > 0 {
		return exporters.Rejected(rejected, reason)
	}
	return nil
}

// Points returns how many points Export makes of snap, one per field of
// each series, valid or not: the unit in which the Reporter counts what was
// exported, rejected and dropped.
func (e *Exporter) Points(snap metrics.Snapshot) int {
	return tsdb.Count(snap, e.cfg.flatten)
}

// Shutdown stops the exporter as exporters.Exporter describes: Exports
// called from then on return exporters.ErrShutdown; an Export in progress
// is waited for until ctx ends. Then Shutdown interrupts it (it returns
// promptly, with an error saying so), closes the exporter's connections all
// the same, and returns an error wrapping ctx's error. When Shutdown
// returns, the exporter's goroutines have ended. A second Shutdown returns
// exporters.ErrShutdown.
func (e *Exporter) Shutdown(ctx context.Context) error {
	if e.closed.Swap(true) {
		return exporters.ErrShutdown
	}
	err := e.acquire(ctx)
	if err != nil {
		err = fmt.Errorf("opentsdb: Shutdown's context ended during an Export, which it interrupted: %w", err)
		e.interrupt(errInterrupted)
		e.lock <- struct{}{} // the Export returns: it honors its context
	}
	defer e.release()
	e.points = nil
	if e.http != nil {
		e.http.close()
	} else {
		e.telnet.close()
	}
	return err
}

func (e *Exporter) acquire(ctx context.Context) error {
	select {
	case e.lock <- struct{}{}:
		return nil
	default:
	}
	select {
	case e.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *Exporter) release() { <-e.lock }
