package pprofserver

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzLocalPath: whatever next a form posts, the login redirects to a
// path of this server: next itself or the index, never a URL that a
// browser would resolve to another host or scheme.
func FuzzLocalPath(f *testing.F) {
	for _, seed := range []string{"/debug/vitals/", "/", "//evil.example", "/\\evil.example", "\\/evil.example",
		"/\t/evil.example", "http://x", "javascript:alert(1)", "/debug/login?next=//x", "/a?b=//c#//d", "", "%2F%2Fevil"} {
		f.Add(seed)
	}
	base, err := url.Parse("http://127.0.0.1:6060/debug/vitals/")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := localPath(next)
		if got != next && got != defaultNext {
			t.Fatalf("localPath(%q) = %q, want it or %q", next, got, defaultNext)
		}
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\t\r\n ") {
			t.Fatalf("localPath(%q) = %q, which a browser may read as another host", next, got)
		}
		// Go resolves as browsers do once backslashes and controls are
		// out; a path it cannot parse is still a path to a browser.
		if u, err := url.Parse(got); err == nil {
			if r := base.ResolveReference(u); r.Scheme != base.Scheme || r.Host != base.Host {
				t.Fatalf("localPath(%q) = %q resolves to %s", next, got, r)
			}
		}
	})
}
