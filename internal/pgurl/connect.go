package pgurl

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// connError is the error of a connection string that cannot be parsed or
// of a database that cannot be reached. Its text is one line that leads
// with the cause and ends with the connection string, passwords masked:
//
//	database "metrics" does not exist (SQLSTATE 3D000); URL postgres://svc:xxxxx@db:5432/metrics
//
// The caller prefixes its package ("postgres: "). It does not name the
// setting that held the string (Config.URL, an environment variable): the
// caller's caller knows it and adds it. Unwrap returns
// the error of the cause (a *pgconn.PgError when the server refused the
// connection), never one that holds the connection string or its password.
type connError struct {
	cause    string // with the passwords masked
	redacted string // the connection string, passwords masked
	url      bool   // the connection string is a URL
	err      error
}

func (e *connError) Error() string {
	what := "connection string"
	if e.url {
		what = "URL"
	}
	return e.cause + "; " + what + " " + e.redacted
}

func (e *connError) Unwrap() error { return e.err }

// newConnError returns a connError for cause, an error of connString, and
// err, the error behind it (nil if none may be shown).
func newConnError(connString, cause string, err error) *connError {
	redacted, secrets := redact(connString)
	return &connError{cause: oneLine(scrub(cause, secrets)), redacted: oneLine(redacted), url: isURL(connString), err: err}
}

// ConnectError describes err, an error of connecting to connString (a
// failed Ping of a pool made from Parse's config), as one line that leads
// with the cause. It wraps the cause, a *pgconn.PgError when the server
// refused the connection.
//
// pgx reports every attempt it made: each address of each host and, with
// the default sslmode=prefer, a TLS attempt before a plain one. The
// server's answer (a wrong password, a missing database, too many
// connections) is the cause whenever there is one, whatever failed before
// it; otherwise the last attempt's failure is (connection refused, no such
// host, a timeout).
func ConnectError(err error, connString string) error {
	cause := err
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		attempts := attemptsOf(ce.Unwrap())
		cause = attempts[len(attempts)-1]
		for _, a := range attempts {
			var pe *pgconn.PgError
			if errors.As(a, &pe) {
				cause = a
			}
		}
		// Drop the attempt's address prefix ("host:port (host): "): the
		// connection string shows it.
		if inner := errors.Unwrap(cause); inner != nil && strings.HasSuffix(cause.Error(), ": "+inner.Error()) {
			cause = inner
		}
	}
	return newConnError(connString, describe(cause), cause)
}

// attemptsOf returns the errors joined in err, the error of a
// pgconn.ConnectError: one per connection attempt, or err alone.
func attemptsOf(err error) []error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if joined, ok := e.(interface{ Unwrap() []error }); ok && len(joined.Unwrap()) > 0 {
			return joined.Unwrap()
		}
	}
	return []error{err}
}

// describe says what err is, its cause first.
func describe(err error) string {
	var pe *pgconn.PgError
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &pe):
		msg := pe.Message
		if pe.Detail != "" {
			msg += ": " + pe.Detail
		}
		return msg + " (SQLSTATE " + pe.Code + ")"
	case errors.As(err, &dns):
		return dns.Err + " (lookup " + dns.Name + ")"
	case errors.As(err, &op) && op.Addr != nil:
		inner := op.Err
		for next := errors.Unwrap(inner); next != nil; next = errors.Unwrap(inner) {
			inner = next
		}
		return inner.Error() + " (" + op.Op + " " + op.Net + " " + op.Addr.String() + ")"
	case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
		return "timed out: " + err.Error()
	}
	return err.Error()
}

// oneLine joins the non-blank lines of s, trimmed, with "; ".
func oneLine(s string) string {
	var lines []string
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "; ")
}
