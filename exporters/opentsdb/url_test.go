package opentsdb

import (
	"strings"
	"testing"
)

// TestURLErrors: every bad URL gets an error that says what is wrong with
// it and what to write instead, and never repeats a password.
func TestURLErrors(t *testing.T) {
	const hint = "use http://tsd:4242 (or https://) or tcp://tsd:4242 (telnet)"
	cases := []struct{ url, want string }{
		{"", `URL is empty; use http://host:4242 (or https://) or tcp://host:4242 (telnet)`},
		{"  ", `URL is empty; use http://host:4242 (or https://) or tcp://host:4242 (telnet)`},

		// No scheme: url.Parse takes "127.0.0.1:4242" for a path and
		// "localhost:4242" for scheme "localhost".
		{"127.0.0.1:4242", `URL "127.0.0.1:4242" has no scheme; use http://127.0.0.1:4242 (or https://) or tcp://127.0.0.1:4242 (telnet)`},
		{"localhost:4242", `URL "localhost:4242" has no scheme; use http://localhost:4242 (or https://) or tcp://localhost:4242 (telnet)`},
		{"tsd:4242", `URL "tsd:4242" has no scheme; ` + hint},
		{"tsd", `URL "tsd" has no scheme and no port; ` + hint},
		{"tsd.example.com", `URL "tsd.example.com" has no scheme and no port; use http://tsd.example.com:4242 (or https://) or tcp://tsd.example.com:4242 (telnet)`},
		{"[::1]:4242", `URL "[::1]:4242" has no scheme; use http://[::1]:4242 (or https://) or tcp://[::1]:4242 (telnet)`},
		{"::1:4242", `URL "::1:4242" has no scheme; use http://host:4242 (or https://) or tcp://host:4242 (telnet)`},
		{":4242", `URL ":4242" has no scheme; use http://host:4242 (or https://) or tcp://host:4242 (telnet)`},
		{"//tsd:4242", `URL "//tsd:4242" has no scheme; ` + hint},
		{"tsd:4242/api/put", `URL "tsd:4242/api/put" has no scheme; ` + hint},
		{"garbage with spaces", `URL "garbage with spaces" has no scheme; use http://host:4242 (or https://) or tcp://host:4242 (telnet)`},
		{"user:s3cr3t@tsd:4242", `URL "user:xxxxx@tsd:4242" has no scheme; ` + hint},
		{"tcp:tsd:4242", `URL "tcp:tsd:4242" lacks the "//" after "tcp:"; use tcp://tsd:4242`},
		{"http:/tsd:4242", `URL "http:/tsd:4242" lacks the "//" after "http:"; use http://tsd:4242`},
		{"HTTPS:tsd", `URL "HTTPS:tsd" lacks the "//" after "https:"; use https://tsd:4242`},

		// Another scheme.
		{"ftp://tsd:4242", `URL "ftp://tsd:4242" has scheme "ftp"; ` + hint},
		{"udp://tsd:4242", `URL "udp://tsd:4242" has scheme "udp"; ` + hint},
		{"telnet://tsd:4242", `URL "telnet://tsd:4242" has scheme "telnet"; ` + hint},
		{"postgres://vitals:s3cr3t@db:5432/metrics", `URL "postgres://vitals:xxxxx@db:5432/metrics" has scheme "postgres"; use http://db:5432 (or https://) or tcp://db:5432 (telnet)`},
		{"://tsd:4242", `URL "://tsd:4242" cannot be parsed (missing protocol scheme); ` + hint},
		{"http://tsd:4242/%zz", `URL "http://tsd:4242/%zz" cannot be parsed (invalid URL escape "%zz"); ` + hint},
		{"http://u:s3cr3t%zz@tsd:4242", `URL "http://u:xxxxx@tsd:4242" cannot be parsed; ` + hint},

		// Host and port.
		{"http://", `URL "http://" has no host; use http://host:4242`},
		{"http://:4242", `URL "http://:4242" has no host; use http://host:4242`},
		{"tcp://:4243", `URL "tcp://:4243" has no host; use tcp://host:4243`},
		{"http://tsd", `URL "http://tsd" has no port; use http://tsd:4242 (OpenTSDB's usual port)`},
		{"tcp://tsd/", `URL "tcp://tsd/" has no port; use tcp://tsd:4242 (OpenTSDB's usual port)`},
		{"http://[::1]", `URL "http://[::1]" has no port; use http://[::1]:4242 (OpenTSDB's usual port)`},
		{"http://tsd:http", `URL "http://tsd:http" cannot be parsed (invalid port ":http" after host); ` + hint},
		{"http://tsd:99999", `URL "http://tsd:99999" has port "99999"; a port is a number from 1 to 65535, such as http://tsd:4242`},
		{"tcp://tsd:0", `URL "tcp://tsd:0" has port "0"; a port is a number from 1 to 65535, such as tcp://tsd:4242`},

		// User information.
		{"http://user:s3cr3t@tsd:4242", `URL "http://user:xxxxx@tsd:4242" has user information, which the exporter does not send; use http://tsd:4242`},
		{"https://user:s3:cr3t@x@tsd", `URL "https://user:xxxxx@tsd" has user information, which the exporter does not send; use https://tsd:4242`},
		{"tcp://user@tsd:4242", `URL "tcp://user@tsd:4242" has user information, which the exporter does not send; use tcp://tsd:4242`},
		{"udp://user:s3cr3t@tsd:4242", `URL "udp://user:xxxxx@tsd:4242" has scheme "udp"; ` + hint},

		// Paths, queries and fragments.
		{"tcp://tsd:4242/api/put", `URL "tcp://tsd:4242/api/put" has a path, query or fragment, which telnet has no use for; use tcp://tsd:4242`},
		{"tcp://tsd:4242?x=1", `URL "tcp://tsd:4242?x=1" has a path, query or fragment, which telnet has no use for; use tcp://tsd:4242`},
		{"http://tsd:4242/?x=1", `URL "http://tsd:4242/?x=1" has a query or fragment, which the exporter does not use; use http://tsd:4242`},
		{"http://tsd:4242/api/put?sync", `URL "http://tsd:4242/api/put?sync" has a query or fragment, which the exporter does not use; use http://tsd:4242`},
		{"http://tsd:4242/otsdb/api/put?details#x", `URL "http://tsd:4242/otsdb/api/put?details#x" has a query or fragment, which the exporter does not use; use http://tsd:4242/otsdb`},
		{"https://tsd:4242/otsdb?details", `URL "https://tsd:4242/otsdb?details" has a query or fragment, which the exporter does not use; use https://tsd:4242/otsdb`},
	}
	for _, tc := range cases {
		_, err := New(Config{URL: tc.url})
		if err == nil {
			t.Errorf("New(%q) succeeded; want %s", tc.url, tc.want)
			continue
		}
		if got, want := err.Error(), "opentsdb: invalid Config: "+tc.want; got != want {
			t.Errorf("New(%q):\n got %s\nwant %s", tc.url, got, want)
		}
		if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "cr3t") {
			t.Errorf("New(%q) = %q repeats the password", tc.url, err)
		}
	}
}

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		{"http://tsd:4242", "http://tsd:4242"},
		{"http://u:p@tsd:4242", "http://u:xxxxx@tsd:4242"},
		{"http://u@tsd:4242", "http://u@tsd:4242"},
		{"http://:p@tsd:4242", "http://:xxxxx@tsd:4242"},
		{"http://u:p/q?r#s@tsd:4242/path", "http://u:xxxxx@tsd:4242/path"},
		{"u:p@tsd:4242", "u:xxxxx@tsd:4242"},
		{"tcp:u:p@tsd:4242", "tcp:xxxxx@tsd:4242"}, // cannot tell the user from the scheme: all of it goes
	}
	for _, tc := range cases {
		if got := redact(tc.in); got != tc.want {
			t.Errorf("redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
