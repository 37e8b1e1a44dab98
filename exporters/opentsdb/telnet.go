package opentsdb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"time"

	"github.com/vitals-go/vitals/exporters/internal/tsdb"
)

// telnetSender writes snapshots as telnet put lines over one persistent
// TCP connection.
type telnetSender struct {
	cfg    settings
	dialer net.Dialer
	conn   *telnetConn // nil until dialed, and after a failure

	// buf holds the lines of the current snapshot; ends[i] is where line i
	// ends (after its '\n'). Both are reused.
	buf  []byte
	ends []int

	// progress remembers how much of the snapshot being sent has been
	// delivered, so that a retry sends only the rest.
	progress struct {
		seq  uint64 // the snapshot's Seq; 0 when nothing can be retried
		sent int    // lines delivered: acknowledged by the server's TCP stack
	}
}

// writeChunk is how much one Write hands the kernel: small enough that the
// acknowledged mark, read after each, follows closely.
const writeChunk = 64 << 10

func newTelnetSender(cfg settings) *telnetSender {
	return &telnetSender{cfg: cfg, dialer: net.Dialer{Timeout: cfg.timeout, KeepAlive: 30 * time.Second}}
}

// export writes the lines of the snapshot numbered seq that were not
// delivered yet, then waits until the server's TCP stack acknowledged them.
// On any failure it drops the connection and returns a transient error; the
// next call for the same non-zero seq (a retry, see exporters.Exporter)
// resends from the first line not acknowledged, any other sends every line.
func (s *telnetSender) export(ctx context.Context, seq uint64, points []tsdb.Point) error {
	s.buf, s.ends = s.buf[:0], s.ends[:0]
	for _, p := range points {
		s.buf = tsdb.AppendTelnet(s.buf, p)
		s.ends = append(s.ends, len(s.buf))
	}
	p := &s.progress
	// Fewer lines under the same Seq are a caller's mistake: start over
	// rather than resume past the end.
	if seq == 0 || seq != p.seq || p.sent > len(points) {
		p.seq, p.sent = seq, 0
	}
	if p.sent == len(points) {
		p.seq = 0
		return nil
	}

	c, err := s.connect(ctx)
	if err != nil {
		return err
	}
	base := 0
	if p.sent > 0 {
		base = s.ends[p.sent-1]
	}
	acked, err := c.send(ctx, s.buf[base:], s.cfg.timeout)
	if err != nil {
		// Lines wholly acknowledged are delivered; the one the mark falls in
		// is sent again in full, on a new connection.
		done := sort.SearchInts(s.ends[p.sent:], base+acked+1)
		p.sent += done
		s.abort()
		return failure(ctx, s.cfg.where, err, s.cfg.timeout, "the server did not take the lines")
	}
	p.seq = 0
	return nil
}

// delivered returns how many lines of the snapshot in progress the server's
// TCP stack acknowledged.
func (s *telnetSender) delivered() int { return s.progress.sent }

// connect returns the open connection, or dials a new one.
func (s *telnetSender) connect(ctx context.Context) (*telnetConn, error) {
	if s.conn != nil {
		if !s.conn.broken.Load() {
			return s.conn, nil
		}
		s.abort()
	}
	nc, err := s.dialer.DialContext(ctx, "tcp", s.cfg.addr)
	if err != nil {
		return nil, failure(ctx, s.cfg.where, err, s.cfg.timeout, "no connection")
	}
	s.conn = newTelnetConn(nc.(*net.TCPConn), s.cfg.addr, s.cfg.logger)
	return s.conn, nil
}

// abort drops the connection with a reset: whatever of the last lines the
// kernel still holds is discarded rather than delivered after a line sent
// again, and the server drops a partial last line instead of storing it.
func (s *telnetSender) abort() {
	if s.conn == nil {
		return
	}
	_ = s.conn.c.SetLinger(0)
	s.conn.close()
	s.conn = nil
}

// close ends the connection after the last Export, which left nothing
// unacknowledged.
func (s *telnetSender) close() {
	if s.conn != nil {
		s.conn.close()
		s.conn = nil
	}
}

// errClosedByServer reports that the server ended the connection.
var errClosedByServer = errors.New("the server closed the connection")

// send writes data and waits until the server acknowledged all of it. It
// returns how many bytes of data the server has acknowledged, as far as is
// known: on systems without ackTracking, how many were written.
func (c *telnetConn) send(ctx context.Context, data []byte, timeout time.Duration) (acked int, err error) {
	// Cancellation interrupts a blocked Write through its deadline.
	stop := context.AfterFunc(ctx, func() { _ = c.c.SetWriteDeadline(time.Unix(1, 0)) })
	defer stop()

	written := 0
	for written < len(data) {
		chunk := data[written:min(written+writeChunk, len(data))]
		// Set the deadline, then look for a reason to stop: whoever wants
		// the Write interrupted (the reader, the context) first flags it,
		// then moves the deadline into the past.
		_ = c.c.SetWriteDeadline(deadline(ctx, timeout))
		if err := c.stopped(ctx); err != nil {
			return acked, err
		}
		if q, ok := unacked(c.c); ok { // progress made while the last chunk was in flight
			acked = max(acked, written-q)
		}
		n, werr := c.c.Write(chunk)
		written += n
		if q, ok := unacked(c.c); ok {
			acked = max(acked, written-q)
		}
		if werr != nil {
			if err := c.stopped(ctx); err != nil {
				return acked, err
			}
			return acked, werr
		}
	}
	if !ackTracking {
		return written, nil
	}
	return c.drain(ctx, written, acked, timeout)
}

// drain waits until the server acknowledged all written bytes, polling the
// send queue: from 50µs, doubling up to 10ms, at most timeout.
func (c *telnetConn) drain(ctx context.Context, written, acked int, timeout time.Duration) (int, error) {
	end := deadline(ctx, timeout)
	wait := 50 * time.Microsecond
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		q, ok := unacked(c.c)
		if !ok {
			return acked, errors.New("connection lost while waiting for the server to acknowledge the lines")
		}
		acked = max(acked, written-q)
		if q == 0 {
			return written, nil
		}
		if err := c.stopped(ctx); err != nil {
			return acked, err
		}
		if time.Now().After(end) {
			return acked, fmt.Errorf("the server did not acknowledge %d bytes within %v: %w", q, timeout, os.ErrDeadlineExceeded)
		}
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-c.done:
		case <-ctx.Done():
		}
		wait = min(2*wait, 10*time.Millisecond)
	}
}

// stopped returns why writing must stop, or nil.
func (c *telnetConn) stopped(ctx context.Context) error {
	if err := ctxEnded(ctx); err != nil {
		return err
	}
	if c.broken.Load() {
		if err := c.readErr(); err != nil {
			return fmt.Errorf("connection lost: %w", err)
		}
		return errClosedByServer
	}
	return nil
}

// deadline is timeout from now, or ctx's deadline if sooner.
func deadline(ctx context.Context, timeout time.Duration) time.Time {
	d := time.Now().Add(timeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		return cd
	}
	return d
}
