package pgurl

import (
	"errors"
	"strings"
	"testing"
)

// TestParse: a connection string that cannot be used is one line that
// leads with the cause and shows the string with its password masked, and
// wraps nothing (pgx's parse error holds the password).
func TestParse(t *testing.T) {
	const pw = "s3cret-pw"
	for _, tc := range []struct{ in, want string }{
		{"svc:" + pw + "@db.example.com/metrics",
			"neither a URL (postgres://user:password@host:port/database) nor key=value settings; connection string svc:xxxxx@db.example.com/metrics"},
		{"postgres://svc:" + pw + "@db.example.com:port:99/metrics",
			"invalid port; URL postgres://svc:xxxxx@db.example.com:port:99/metrics"},
		{"postgress://svc:" + pw + "@db/metrics?sslmode=disable",
			`unknown URL scheme "postgress": want postgres:// or postgresql://; URL postgress://svc:xxxxx@db/metrics?sslmode=disable`},
		{"postgres://svc:" + pw + "@x@db.example.com/metrics",
			`more than one "@" before the host: write "@" in a user name or password as %40; URL postgres://svc:xxxxx@db.example.com/metrics`},
	} {
		_, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q): no error", tc.in)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("Parse(%q):\n got  %s\n want %s", tc.in, err, tc.want)
		}
		if strings.Contains(err.Error(), pw) || errors.Unwrap(err) != nil {
			t.Errorf("Parse(%q) = %q shows the password or wraps an error", tc.in, err)
		}
	}
	for _, ok := range []string{"postgres://svc:pw@db:5432/metrics?sslmode=disable&pool_max_conns=3", "host=db user=svc dbname=metrics"} {
		pc, err := Parse(ok)
		if err != nil || pc == nil {
			t.Errorf("Parse(%q) = %v, %v", ok, pc, err)
		}
	}
}
