package opentsdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"time"
)

// exchangeError is a failed exchange with the TSD, told cause first and
// short, so that a health line cut at 200 bytes still says what is wrong:
//
//	opentsdb: connection refused (telnet 127.0.0.1:4242)
//	opentsdb: no answer after 10s (POST http://tsd:4242/api/put)
type exchangeError struct {
	cause string // what went wrong
	where string // settings.where: "POST <url>" or "telnet host:port"
	err   error  // the underlying error, for errors.Is and errors.As
}

func (e *exchangeError) Error() string { return "opentsdb: " + e.cause + " (" + e.where + ")" }

func (e *exchangeError) Unwrap() error { return e.err }

// errInterrupted ends the context of an Export that a Shutdown stopped
// waiting for.
var errInterrupted = errors.New("interrupted by Shutdown, whose context ended")

// failure describes err, which ended an exchange with the TSD. ctx is
// Export's context: when it has ended, that is the cause. stalled says what
// did not happen when the exchange ran out of timeout (Config.Timeout),
// after connecting: "no answer".
func failure(ctx context.Context, where string, err error, timeout time.Duration, stalled string) error {
	return &exchangeError{cause: cause(ctx, err, timeout, stalled), where: where, err: err}
}

// ctxEnded returns ctx.Err(), also when ctx's deadline has passed but its
// timer has not ended it yet: a dial or Write given that deadline (see
// deadline) can fail the moment before. It then waits for that moment.
func ctxEnded(ctx context.Context) error {
	if d, ok := ctx.Deadline(); ok && ctx.Err() == nil && !time.Now().Before(d) {
		<-ctx.Done()
	}
	return ctx.Err()
}

// cause names why err happened, in a few words.
func cause(ctx context.Context, err error, timeout time.Duration, stalled string) string {
	var (
		dnsErr *net.DNSError
		netErr net.Error
	)
	switch {
	case errors.Is(context.Cause(ctx), errInterrupted):
		return errInterrupted.Error()
	case ctxEnded(ctx) != nil:
		return "Export's context ended: " + ctx.Err().Error()
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by the server"
	case errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, errClosedByServer):
		return "the server closed the connection"
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("cannot resolve %q: %s", dnsErr.Name, dnsErr.Err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		var opErr *net.OpError
		if errors.As(err, &opErr) && opErr.Op == "dial" {
			stalled = "no connection"
		}
		return fmt.Sprintf("%s within %v", stalled, timeout)
	}
	// Anything else: the innermost description, without the URL and
	// addresses that where repeats.
	var (
		urlErr *url.Error
		opErr  *net.OpError
	)
	switch {
	case errors.As(err, &opErr):
		return opErr.Err.Error()
	case errors.As(err, &urlErr):
		return urlErr.Err.Error()
	}
	return err.Error()
}
