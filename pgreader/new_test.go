package pgreader

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestNewErrors: every way of not reading the database is one error from
// New, one line that leads with the cause, shows the URL with its password
// masked and, unless the URL is empty, does not name Config.URL, as the
// errors of postgres.New.
func TestNewErrors(t *testing.T) {
	t.Parallel()
	e := newRDEnv(t)
	base, err := url.Parse(e.url)
	if err != nil {
		t.Fatal(err)
	}
	withURL := func(f func(u *url.URL)) string {
		u := *base
		q := u.Query()
		q.Set("connect_timeout", "5")
		u.RawQuery = q.Encode()
		f(&u)
		return u.String()
	}

	if r, err := New(e.ctx, Config{URL: e.url, Schema: e.schema}); err != nil {
		t.Fatalf("New on a migrated schema: %v", err)
	} else {
		r.Close()
	}

	for _, tc := range []struct {
		name, url, schema string
		want              string // the start of the error
		code              string // SQLSTATE, if the server refused
	}{
		{name: "empty url", url: "", want: "pgreader: Config.URL is required"},
		{name: "unparsable url", url: "postgres://u:s3cret@host:notaport/db", want: "pgreader: invalid port; URL postgres://u:xxxxx@host:notaport/db"},
		{name: "scheme typo", url: "postgress://u:s3cret@host/db", want: `pgreader: unknown URL scheme "postgress"`},
		{name: "nothing listening", url: withURL(func(u *url.URL) { u.Host = "127.0.0.1:1" }), want: "pgreader: connection refused (dial tcp 127.0.0.1:1); URL postgres://"},
		{name: "no such database", url: withURL(func(u *url.URL) { u.Path = "/no_such_db" }), want: `pgreader: database "no_such_db" does not exist (SQLSTATE 3D000); URL postgres://`, code: "3D000"},
		{name: "no such role", url: withURL(func(u *url.URL) { u.User = url.UserPassword("no_such_role", "s3cret") }), want: `pgreader: role "no_such_role" does not exist (SQLSTATE 28000); URL postgres://no_such_role:xxxxx@`, code: "28000"},
		{name: "schema without tables", url: e.url, schema: "rd_no_such_schema", want: fmt.Sprintf(`pgreader: schema "rd_no_such_schema" of database %q has no vitals_series and vitals_points tables`, strings.TrimPrefix(base.Path, "/"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := New(e.ctx, Config{URL: tc.url, Schema: tc.schema})
			if err == nil {
				r.Close()
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tc.want) {
				t.Errorf("error:      %s\nwant start: %s", msg, tc.want)
			}
			if strings.Contains(msg, "s3cret") || strings.Contains(msg, "\n") {
				t.Errorf("error %q shows the password or is not one line", msg)
			}
			if tc.url != "" && strings.Contains(msg, "Config.URL") {
				t.Errorf("error names Config.URL: %s", msg)
			}
			var pgErr *pgconn.PgError
			if got := errors.As(err, &pgErr); got != (tc.code != "") || got && pgErr.Code != tc.code {
				t.Errorf("errors.As(*pgconn.PgError) = %v (%v), want SQLSTATE %q", got, pgErr, tc.code)
			}
		})
	}
}
