package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vitals-go/vitals/exporters"
)

// classify returns err as the Reporter should see it: data errors that a
// retry cannot fix as exporters.Rejected (all points), anything else (the
// network, the server shutting down or overloaded, a timeout) as it is, so
// that the snapshot is offered again.
func classify(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && permanent(pgErr.Code) {
		return exporters.Rejected(-1, fmt.Errorf("postgres: %w", err))
	}
	return fmt.Errorf("postgres: %w", err)
}

// permanent reports whether an SQLSTATE says the data or the statement is
// wrong, rather than the server being unavailable for now.
func permanent(code string) bool {
	switch {
	case code == "42P01", code == "3F000": // undefined table or schema: someone may restore it
		return false
	case strings.HasPrefix(code, "22"), // data exception
		strings.HasPrefix(code, "23"), // integrity constraint violation
		strings.HasPrefix(code, "42"), // syntax error or access rule violation
		strings.HasPrefix(code, "54"): // program limit exceeded
		return true
	}
	return false
}

// The SQLSTATEs of a duplicate key and of a missing table.
const (
	uniqueViolation = "23505"
	undefinedTable  = "42P01"
)

// sqlState returns the SQLSTATE of err, "" when it is not a server error.
func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}
