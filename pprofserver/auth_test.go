package pprofserver_test

import (
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/pprofserver"
)

// testToken has every kind of character a bearer token may hold.
const testToken = "0f9C2a7e-Test.Token_~+/=!#$%&'*^`|"

// Challenges of a 401 answer.
const (
	challenge        = `Bearer realm="pprof"`
	challengeInvalid = `Bearer realm="pprof", error="invalid_token"`
)

// do sends a request with auth as its Authorization header (none if "")
// and reads the whole answer.
func do(t *testing.T, c *http.Client, method, url, auth string, body io.Reader) response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// TestTokenRequired: with a Token, on loopback as on an address other
// hosts can reach, every request without it or with another one gets 401
// and a Bearer challenge, whatever its path; with it, every endpoint
// answers as usual. The token is in no answer and no log.
func TestTokenRequired(t *testing.T) {
	t.Parallel()
	health := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	served := []string{
		"/debug/pprof/", "/debug/pprof", "/debug/pprof/heap", "/debug/pprof/heap?debug=1",
		"/debug/pprof/goroutine?debug=2", "/debug/pprof/allocs", "/debug/pprof/cmdline",
		"/debug/pprof/symbol", "/debug/vars", "/debug/metrics", "/healthz", "/debug/vitals/", "/debug/vitals/api/state",
	}
	// Refused before anything happens: a CPU profile or a trace of 30 s
	// would make the test wait, and an unknown path would get 404.
	refusedOnly := []string{"/debug/pprof/profile?seconds=30", "/debug/pprof/trace?seconds=30", "/no/such/path", "/"}
	refused := map[string]string{ // an Authorization header, and the challenge it gets
		"":                                      challenge,
		"Bearer":                                challenge,
		"Bearer   ":                             challenge,
		testToken:                               challenge, // no scheme
		"Token " + testToken:                    challenge,
		"Basic " + basic("pprof", testToken):    challenge,
		"Bearer wrong":                          challengeInvalid,
		"Bearer " + testToken + "x":             challengeInvalid,
		"Bearer " + testToken[1:]:               challengeInvalid,
		"Bearer " + strings.ToUpper(testToken):  challengeInvalid,
		"Bearer " + testToken + " " + testToken: challengeInvalid,
	}
	accepted := []string{"Bearer " + testToken, "bearer " + testToken, "BEARER  " + testToken}

	for _, cfg := range []pprofserver.Config{
		{Addr: "127.0.0.1:0"},
		{Addr: "0.0.0.0:0", AllowRemote: true},
	} {
		t.Run(cfg.Addr, func(t *testing.T) {
			var logs testkit.Buffer
			cfg.Token, cfg.Health, cfg.Live = testToken, health, health
			cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			s := start(t, cfg)
			_, port, _ := net.SplitHostPort(s.Addr())
			base := "http://127.0.0.1:" + port
			c := newClient(t)

			// Stop at once if the token is not checked at all, rather than
			// wait for CPU profiles.
			if r := do(t, c, "GET", base+"/debug/pprof/cmdline", "", nil); r.status != http.StatusUnauthorized {
				t.Fatalf("GET /debug/pprof/cmdline without the token: status %d, want 401", r.status)
			}
			for _, p := range append(served, refusedOnly...) {
				for auth, want := range refused {
					r := do(t, c, "GET", base+p, auth, nil)
					if r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") != want {
						t.Fatalf("GET %s with Authorization %q: status %d, WWW-Authenticate %q; want 401 and %q",
							p, auth, r.status, r.header.Get("WWW-Authenticate"), want)
					}
					if strings.Contains(string(r.body), testToken) {
						t.Errorf("GET %s with Authorization %q: the answer holds the token: %q", p, auth, r.body)
					}
					if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("X-Go-Pprof") != "1" {
						t.Errorf("GET %s with Authorization %q: headers %v", p, auth, r.header)
					}
				}
			}
			if r := do(t, c, "POST", base+"/debug/pprof/symbol", "", strings.NewReader("0x1")); r.status != http.StatusUnauthorized {
				t.Errorf("POST /debug/pprof/symbol without the token: status %d", r.status)
			}

			for _, p := range served {
				for _, auth := range accepted {
					if r := do(t, c, "GET", base+p, auth, nil); r.status != http.StatusOK || len(r.body) == 0 {
						t.Errorf("GET %s with Authorization %q: status %d, %d bytes; want 200 and a body", p, auth, r.status, len(r.body))
					}
				}
			}
			if r := do(t, c, "POST", base+"/debug/pprof/symbol", accepted[0], strings.NewReader("0x1")); r.status != http.StatusOK {
				t.Errorf("POST /debug/pprof/symbol with the token: status %d", r.status)
			}
			// Asked for 0 s, the CPU profile answers 400: past the token,
			// without profiling.
			if r := do(t, c, "GET", base+"/debug/pprof/profile?seconds=0", accepted[0], nil); r.status != http.StatusBadRequest {
				t.Errorf("GET /debug/pprof/profile?seconds=0 with the token: status %d, want the handler's 400", r.status)
			}
			if r := do(t, c, "GET", base+"/no/such/path", accepted[0], nil); r.status != http.StatusNotFound {
				t.Errorf("GET /no/such/path with the token: status %d, want 404", r.status)
			}

			if strings.Contains(logs.String(), testToken) {
				t.Errorf("the log holds the token:\n%s", logs.String())
			}
			if !strings.Contains(logs.String(), "bearer_token_required=true") {
				t.Errorf("the log does not say that a token is required:\n%s", logs.String())
			}
		})
	}
}

func basic(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}

// TestNoTokenRequiresNothing: without a Token, an Authorization header
// is ignored.
func TestNoTokenRequiresNothing(t *testing.T) {
	t.Parallel()
	s := start(t, pprofserver.Config{})
	c := newClient(t)
	for _, auth := range []string{"", "Bearer anything", "Basic " + basic("a", "b")} {
		if r := do(t, c, "GET", "http://"+s.Addr()+"/debug/pprof/cmdline", auth, nil); r.status != http.StatusOK {
			t.Errorf("Authorization %q without a Token: status %d", auth, r.status)
		}
	}
}

// TestTokenRefusedIfItCannotBeSent: Start refuses a token that is not
// printable ASCII without spaces, without quoting it, and listens on
// nothing.
func TestTokenRefusedIfItCannotBeSent(t *testing.T) {
	t.Parallel()
	for _, token := range []string{"two words", "tab\there", "line\nbreak", "nul\x00", "del\x7f", "caf\u00e9", " leading-space", "trailing-space "} {
		s, err := pprofserver.Start(pprofserver.Config{Addr: "127.0.0.1:0", Token: token, Logger: quiet})
		if err == nil {
			s.Shutdown(t.Context())
			t.Errorf("Start accepted the token %q", token)
			continue
		}
		if !strings.Contains(err.Error(), "Token") || strings.Contains(err.Error(), token) {
			t.Errorf("Start with token %q: %v; want an error that names Token and does not quote it", token, err)
		}
	}
}
