package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vitals-go/vitals/exporters"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err      error
		rejected bool
	}{
		{&pgconn.PgError{Code: "22003", Message: "value out of range"}, true},
		{&pgconn.PgError{Code: "23502"}, true},
		{&pgconn.PgError{Code: "42501", Message: "permission denied"}, true},
		{&pgconn.PgError{Code: "54000"}, true},
		{&pgconn.PgError{Code: "42P01", Message: "relation does not exist"}, false},
		{&pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, false},
		{&pgconn.PgError{Code: "57014", Message: "canceling statement due to statement timeout"}, false},
		{&pgconn.PgError{Code: "40P01", Message: "deadlock detected"}, false},
		{&pgconn.PgError{Code: "53300", Message: "too many connections"}, false},
		{fmt.Errorf("write: %w", io.ErrUnexpectedEOF), false},
		{context.DeadlineExceeded, false},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, false},
	} {
		err := classify(tc.err)
		if errors.Is(err, exporters.ErrRejected) != tc.rejected || !errors.Is(err, tc.err) {
			t.Errorf("classify(%v) = %v; rejected want %v", tc.err, err, tc.rejected)
		}
	}
}
