package pgurl

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://svc:pw@db:5432/metrics?sslmode=verify-full", "postgres://svc:xxxxx@db:5432/metrics?sslmode=verify-full"},
		{"postgresql://svc@db/metrics", "postgresql://svc@db/metrics"},
		{"postgres://db/metrics", "postgres://db/metrics"},
		{"postgres://:pw@db/metrics", "postgres://:xxxxx@db/metrics"},
		// A typo'd scheme keeps its user name and host.
		{"postgress://svc:pw@db/metrics", "postgress://svc:xxxxx@db/metrics"},
		{"postgress://svc@db:5432/metrics", "postgress://svc@db:5432/metrics"},
		// Unescaped '@', '/' or ':' in the password: masked whole.
		{"postgres://svc:p@s/s:w@db/metrics", "postgres://svc:xxxxx@db/metrics"},
		{"postgres://svc:pw@db/metrics?password=q&sslpassword=k&sslmode=disable",
			"postgres://svc:xxxxx@db/metrics?password=xxxxx&sslpassword=xxxxx&sslmode=disable"},
		{"postgres://svc:password=x@db/metrics", "postgres://svc:xxxxx@db/metrics"},
		{"host=db user=svc password=pw dbname=metrics", "host=db user=svc password=xxxxx dbname=metrics"},
		{"host=db password = 'p w\\' x' dbname=metrics", "host=db password = xxxxx dbname=metrics"},
		{"host=db password='unterminated dbname=metrics", "host=db password=xxxxx"},
		{"host=db:1 password=a@b", "host=db:1 password=xxxxx"},
		{"svc:pw@db/metrics", "svc:xxxxx@db/metrics"},
		{"not a url", "not a url"},
	} {
		got, secrets := redact(tc.in)
		if got != tc.want {
			t.Errorf("redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
		for _, s := range secrets {
			if s != "" && strings.Contains(got, s) && !strings.Contains(tc.want, s) {
				t.Errorf("redact(%q) = %q shows %q", tc.in, got, s)
			}
		}
	}
}

func TestScrub(t *testing.T) {
	_, secrets := redact("postgres://svc:p@ss@db/metrics")
	if got, want := scrub(`lookup ss@db: p@ss is wrong`, secrets), "lookup ss@db: xxxxx is wrong"; got != want {
		t.Fatalf("scrub = %q, want %q", got, want)
	}
}

// FuzzRedact: whatever a password holds, written into a URL or a quoted
// key=value setting, redact masks it whole and leaves the rest as it is.
func FuzzRedact(f *testing.F) {
	for _, pw := range []string{"pw", "p@ss/w:rd", "password=x", "a'b\\c d", "?#&=%zz"} {
		f.Add("svc", pw, "db:5432", "sslmode=disable")
	}
	f.Fuzz(func(t *testing.T, user, pw, host, query string) {
		if strings.ContainsAny(user, ":@/") || strings.ContainsAny(host+query, "@") ||
			strings.Contains(strings.ToLower(query), "password=") {
			return
		}
		u := "postgres://" + user + ":" + pw + "@" + host + "/metrics?" + query
		want := "postgres://" + user + ":" + mask + "@" + host + "/metrics?" + query
		if got, _ := redact(u); got != want {
			t.Errorf("redact(%q) = %q, want %q", u, got, want)
		}
		quoted := "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(pw) + "'"
		kv := "host=db password=" + quoted + " dbname=metrics"
		if got, _ := redact(kv); got != "host=db password="+mask+" dbname=metrics" {
			t.Errorf("redact(%q) = %q", kv, got)
		}
	})
}
