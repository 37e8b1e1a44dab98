package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestNewErrors: every way of not reaching the database is one error from
// New, one line that leads with the cause, says which URL, never shows the
// password and does not name Config.URL (the caller may have read the URL
// from elsewhere). URLs without sslmode make pgx try TLS first, which the
// test server refuses: that attempt must not hide the cause.
func TestNewErrors(t *testing.T) {
	t.Parallel()
	admin, srv := xpPool(t)
	base, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	host, database := base.Host, strings.TrimPrefix(base.Path, "/")
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	pwRole := passwordRole(t, admin)
	silent := silentServer(t)
	const pw = "s3cret-pw"

	for _, tc := range []struct {
		name, url string
		want      string // the whole message, or its start when it ends with "..."
		sqlState  string // of the *pgconn.PgError that errors.As must find
	}{
		{name: "empty", url: "",
			want: "postgres: Config.URL is required"},
		{name: "garbage", url: "svc:" + pw + "@db.example.com/metrics",
			want: "postgres: neither a URL (postgres://user:password@host:port/database) nor key=value settings; connection string svc:xxxxx@db.example.com/metrics"},
		{name: "unparsable-url", url: "postgres://svc:" + pw + "@db.example.com:port:99/metrics",
			want: "postgres: invalid port; URL postgres://svc:xxxxx@db.example.com:port:99/metrics"},
		{name: "scheme-typo", url: "postgress://postgres:" + pw + "@" + host + "/" + database,
			want: `postgres: unknown URL scheme "postgress": want postgres:// or postgresql://; URL postgress://postgres:xxxxx@` + host + "/" + database},
		{name: "scheme-typo-with-query", url: "postgress://postgres:" + pw + "@" + host + "/" + database + "?sslmode=disable",
			want: `postgres: unknown URL scheme "postgress": want postgres:// or postgresql://; URL postgress://postgres:xxxxx@` + host + "/" + database + "?sslmode=disable"},
		{name: "at-in-password", url: "postgres://svc:" + pw + "@x@db.example.com/metrics",
			want: `postgres: more than one "@" before the host: write "@" in a user name or password as %40; URL postgres://svc:xxxxx@db.example.com/metrics`},
		{name: "missing-database", url: "postgres://postgres:" + pw + "@" + host + "/nosuchdb",
			want:     `postgres: database "nosuchdb" does not exist (SQLSTATE 3D000); URL postgres://postgres:xxxxx@` + host + "/nosuchdb",
			sqlState: "3D000"},
		{name: "missing-database-key-value", url: fmt.Sprintf("host=%s port=%s user=postgres password='%s x' dbname=nosuchdb", base.Hostname(), base.Port(), pw),
			want:     fmt.Sprintf(`postgres: database "nosuchdb" does not exist (SQLSTATE 3D000); connection string host=%s port=%s user=postgres password=xxxxx dbname=nosuchdb`, base.Hostname(), base.Port()),
			sqlState: "3D000"},
		{name: "wrong-password", url: "postgres://" + pwRole + ":" + pw + "@" + host + "/" + database,
			want:     fmt.Sprintf(`postgres: password authentication failed for user %q (SQLSTATE 28P01); URL postgres://%s:xxxxx@%s/%s`, pwRole, pwRole, host, database),
			sqlState: "28P01"},
		{name: "wrong-port", url: "postgres://postgres:" + pw + "@" + closedAddr + "/" + database,
			want: fmt.Sprintf("postgres: connection refused (dial tcp %s); URL postgres://postgres:xxxxx@%s/%s", closedAddr, closedAddr, database)},
		{name: "no-answer", url: "postgres://postgres:" + pw + "@" + silent + "/" + database + "?sslmode=disable&connect_timeout=1",
			want: "postgres: timed out: ..."},
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
			if prefix, ok := strings.CutSuffix(tc.want, "..."); ok {
				if !strings.HasPrefix(msg, prefix) {
					t.Errorf("error:    %s\nwant start: %s", msg, prefix)
				}
			} else if msg != tc.want {
				t.Errorf("error: %s\nwant:  %s", msg, tc.want)
			}
			if strings.Contains(msg, "s3cret") || strings.Contains(msg, "\n") {
				t.Errorf("error shows the password or is not one line: %q", msg)
			}
			if tc.url != "" && strings.Contains(msg, "Config.URL") {
				t.Errorf("error names Config.URL: %s", msg)
			}
			var pgErr *pgconn.PgError
			if got := errors.As(err, &pgErr); got != (tc.sqlState != "") || got && pgErr.Code != tc.sqlState {
				t.Errorf("errors.As(*pgconn.PgError) = %v (%v), want SQLSTATE %q", got, pgErr, tc.sqlState)
			}
		})
	}
}

// passwordRole creates a login role that the test server authenticates by
// password (scram-sha-256), unlike every other role, which it trusts, and
// returns its name. Its password is not s3cret-pw. pg_hba.conf is changed
// for this role only, and restored at cleanup. The test is skipped when
// the server's pg_hba.conf cannot be edited (a server given by
// VITALS_TEST_POSTGRES_URL on another machine).
func passwordRole(t *testing.T, admin *pgxpool.Pool) string {
	t.Helper()
	ctx := xpCtx(t)
	var hbaFile string
	if err := admin.QueryRow(ctx, "SHOW hba_file").Scan(&hbaFile); err != nil {
		t.Fatal(err)
	}
	hba, err := os.ReadFile(hbaFile)
	if err != nil {
		t.Skipf("cannot edit the test server's pg_hba.conf to refuse a password: %v", err)
	}
	role := fmt.Sprintf("vitals_pw_%d_%d", time.Now().UnixNano(), roleSeq.Add(1))
	adminExec(t, admin, "CREATE ROLE "+role+" LOGIN PASSWORD 'the-right-one'")
	write := func(content []byte) {
		// Rewritten in place, which keeps the file's owner (the server's).
		if err := os.WriteFile(hbaFile, content, 0); err != nil {
			t.Fatal(err)
		}
		adminExec(t, admin, "SELECT pg_reload_conf()")
	}
	t.Cleanup(func() {
		write(hba)
		adminExec(t, admin, "DROP ROLE "+role)
	})
	write(append([]byte("host all "+role+" all scram-sha-256\n"), hba...))

	// The server reloads its configuration asynchronously: wait until it
	// refuses a wrong password.
	u, err := url.Parse(admin.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, "wrong")
	for {
		conn, err := pgconn.Connect(ctx, u.String())
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "28P01" {
			return role
		}
		if err == nil {
			conn.Close(ctx)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the server still accepts any password for %s: %v", role, err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// silentServer accepts connections and never answers; it stops at
// cleanup. It returns its address.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	})
	return ln.Addr().String()
}
