package postgres

import (
	"context"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// TestNewErrors: every way of not reaching the database is one clear error
// from New, never a panic later, and never shows the password.
func TestNewErrors(t *testing.T) {
	t.Parallel()
	_, srv := xpPool(t)
	base, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	withDB := func(db string) string {
		u := *base
		u.Path = "/" + db
		u.User = url.UserPassword(u.User.Username(), "s3cret-pw")
		return u.String()
	}
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	for _, tc := range []struct {
		name, url string
		want      []string
	}{
		{"empty", "", []string{"URL is required"}},
		{"bad-url", "postgres://user:s3cret-pw@host:port:99/db", []string{"invalid Config.URL"}},
		{"bad-scheme", "mysql://root:s3cret-pw@127.0.0.1/db", []string{"invalid Config.URL"}},
		{"missing-database", withDB("no_such_db"), []string{"connect: ", `database "no_such_db" does not exist`}},
		{"unreachable", "postgres://postgres:s3cret-pw@" + closedAddr + "/x?sslmode=disable&connect_timeout=5", []string{"connect", closedAddr, "connection refused"}},
		{"wrong-password", "postgres://vitals:s3cret-pw@" + fakeAuthServer(t) + "/db?sslmode=disable", []string{"connect: ", "password authentication failed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			e, err := New(ctx, Config{URL: tc.url, Schema: xpSchema(t)})
			if err == nil {
				_ = e.Shutdown(ctx)
				t.Fatal("New succeeded")
			}
			msg := err.Error()
			t.Logf("error: %s", msg)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
			if strings.Contains(msg, "s3cret-pw") {
				t.Errorf("error shows the password: %s", msg)
			}
		})
	}
}

// fakeAuthServer speaks just enough of the PostgreSQL protocol to ask for
// a password and refuse it, as a server does on a wrong password (the test
// server trusts every connection, so it cannot refuse one). It returns its
// address; it stops at cleanup.
func fakeAuthServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
				be := pgproto3.NewBackend(conn, conn)
				if _, err := be.ReceiveStartupMessage(); err != nil {
					return
				}
				be.Send(&pgproto3.AuthenticationCleartextPassword{})
				if be.Flush() != nil {
					return
				}
				if err := be.SetAuthType(pgproto3.AuthTypeCleartextPassword); err != nil {
					return
				}
				if _, err := be.Receive(); err != nil {
					return
				}
				be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01",
					Message: `password authentication failed for user "vitals"`})
				_ = be.Flush()
			})
		}
	})
	return ln.Addr().String()
}
