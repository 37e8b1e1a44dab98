package pprofserver_test

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/pprofserver"
)

// browserAccept is the Accept header of Chromium's page loads.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

// loginCSP is the login form's Content-Security-Policy.
const loginCSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// liveStub stands for the live page.
var liveStub = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "live page "+r.URL.Path) })

// loginServer starts a server with testToken and a live page, logging
// to logs, and returns its base URL, http://127.0.0.1:port.
func loginServer(t *testing.T, token string, logs io.Writer) (base string, port string) {
	t.Helper()
	s := start(t, pprofserver.Config{
		Token:  token,
		Live:   liveStub,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	_, port, _ = net.SplitHostPort(s.Addr())
	return "http://" + s.Addr(), port
}

// noRedirects returns a client that shows redirects instead of following
// them.
func noRedirects(t *testing.T) *http.Client {
	c := newClient(t)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// send runs req with headers (name, value pairs) and reads the whole
// answer, failing the test if the token is in it, headers included.
func send(t *testing.T, c *http.Client, method, url string, body io.Reader, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
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
	r := response{resp.StatusCode, resp.Header, b}
	noToken(t, method+" "+url, r)
	return r
}

// noToken fails the test if the answer r holds testToken.
func noToken(t *testing.T, what string, r response) {
	t.Helper()
	if strings.Contains(string(r.body), testToken) {
		t.Errorf("%s: the answer holds the token:\n%s", what, r.body)
	}
	for name, values := range r.header {
		for _, v := range values {
			if strings.Contains(v, testToken) {
				t.Errorf("%s: header %s holds the token: %q", what, name, v)
			}
		}
	}
}

// loginBody is the form a browser posts.
func loginBody(token, next string) io.Reader {
	return strings.NewReader(url.Values{"token": {token}, "next": {next}}.Encode())
}

const formType = "application/x-www-form-urlencoded"

var (
	hiddenNext = regexp.MustCompile(`<input type="hidden" name="next" value="([^"]*)">`)
	scriptRE   = regexp.MustCompile(`(?i)<script|\son[a-z]+=|javascript:`)
)

// checkForm fails the test unless r is the login form, answered with 401
// and challenge, leading to next once logged in.
func checkForm(t *testing.T, what string, r response, challenge, next string) {
	t.Helper()
	h := r.header
	if r.status != http.StatusUnauthorized || h.Get("WWW-Authenticate") != challenge {
		t.Errorf("%s: %d, WWW-Authenticate %q; want 401 and %q", what, r.status, h.Get("WWW-Authenticate"), challenge)
	}
	if h.Get("Content-Type") != "text/html; charset=utf-8" || h.Get("Content-Security-Policy") != loginCSP ||
		h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Cache-Control") != "no-store" {
		t.Errorf("%s: headers %v", what, h)
	}
	body := string(r.body)
	if !strings.Contains(body, `<form method="post" action="/debug/login">`) ||
		!strings.Contains(body, `<input id="token" name="token" type="password"`) {
		t.Errorf("%s: no login form:\n%s", what, body)
	}
	if scriptRE.MatchString(body) {
		t.Errorf("%s: the form has a script:\n%s", what, body)
	}
	if m := hiddenNext.FindStringSubmatch(body); m == nil || m[1] != next {
		t.Errorf("%s: the form's next is %q, want %q", what, m, next)
	}
}

// TestLoginFormForBrowsers: without credentials, a browser's GET of any
// path gets 401, the Bearer challenge and the login form, which leads
// back to the path asked for; other clients get today's plain text.
func TestLoginFormForBrowsers(t *testing.T) {
	t.Parallel()
	cfg := pprofserver.Config{Token: testToken, Live: liveStub}
	h := pprofserver.Handler(cfg)
	get := func(target string, headers ...string) response {
		req := httptest.NewRequest("GET", target, nil)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Add(headers[i], headers[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		r := response{rec.Code, rec.Header(), rec.Body.Bytes()}
		noToken(t, "GET "+target, r)
		return r
	}
	for target, next := range map[string]string{
		"/debug/vitals/":             "/debug/vitals/",
		"/debug/vitals/?a=1&b=x%3Cy": "/debug/vitals/?a=1&amp;b=x%3Cy",
		"/debug/pprof/heap?debug=1":  "/debug/pprof/heap?debug=1",
		"/no/such/path":              "/no/such/path",
		"/debug/login":               "/debug/pprof/",
		"//evil.example/":            "/debug/pprof/",
	} {
		checkForm(t, target, get(target, "Accept", browserAccept), `Bearer realm="pprof"`, next)
	}
	checkForm(t, "a wrong bearer token", get("/debug/vitals/", "Accept", "text/html", "Authorization", "Bearer wrong"),
		`Bearer realm="pprof", error="invalid_token"`, "/debug/vitals/")

	for _, accept := range []string{"", "*/*", "application/json", "text/event-stream", "text/plain"} {
		r := get("/debug/vitals/", "Accept", accept)
		if r.status != http.StatusUnauthorized || r.header.Get("Content-Type") != "text/plain; charset=utf-8" ||
			r.header.Get("X-Go-Pprof") != "1" || r.header.Get("WWW-Authenticate") != `Bearer realm="pprof"` {
			t.Errorf("Accept %q: %d %v %q; want 401 in plain text", accept, r.status, r.header, r.body)
		}
	}
	// Only page loads get the form: a POST does not.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/debug/pprof/symbol", strings.NewReader("0x1"))
	req.Header.Set("Accept", browserAccept)
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized || rec.Header().Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("a browser's POST /debug/pprof/symbol: %d %v, want 401 in plain text", rec.Code, rec.Header())
	}
}

// TestLogin: the right token in the form sets the session cookie and
// redirects to next; the cookie then opens every path, the live page and
// the profiles included; logout drops it. Nothing shows or logs the
// token.
func TestLogin(t *testing.T) {
	t.Parallel()
	var logs testkit.Buffer
	base, port := loginServer(t, testToken, &logs)
	c := noRedirects(t)
	name := "vitals_pprof_session_" + port

	r := send(t, c, "POST", base+"/debug/login", loginBody(testToken, "/debug/vitals/?filter=x"),
		"Content-Type", formType, "Accept", browserAccept)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/debug/vitals/?filter=x" {
		t.Fatalf("login: %d, Location %q; want 303 to /debug/vitals/?filter=x", r.status, r.header.Get("Location"))
	}
	set := r.header.Values("Set-Cookie")
	want := regexp.MustCompile(`^` + name + `=([A-Z2-7]{26}); Path=/; HttpOnly; SameSite=Strict$`)
	if len(set) != 1 || !want.MatchString(set[0]) {
		t.Fatalf("login: Set-Cookie %q, want %s", set, want)
	}
	cookie := &http.Cookie{Name: name, Value: want.FindStringSubmatch(set[0])[1]}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("login: Cache-Control %q, want no-store", r.header.Get("Cache-Control"))
	}

	for _, p := range []string{"/debug/vitals/", "/debug/vitals/api/state", "/debug/pprof/", "/debug/pprof/heap",
		"/debug/pprof/cmdline", "/debug/metrics", "/debug/vars"} {
		r := send(t, c, "GET", base+p, nil, "Cookie", cookie.String(), "Accept", browserAccept)
		if r.status != http.StatusOK || len(r.body) == 0 {
			t.Errorf("GET %s with the cookie: %d %q, want 200", p, r.status, r.body)
		}
	}
	// The cookie does as well as the token, no better: an unknown path is
	// still 404, and a wrong Authorization header beside it does not
	// take its place away.
	if r := send(t, c, "GET", base+"/no/such/path", nil, "Cookie", cookie.String()); r.status != http.StatusNotFound {
		t.Errorf("GET /no/such/path with the cookie: %d, want 404", r.status)
	}
	if r := send(t, c, "GET", base+"/debug/pprof/cmdline", nil, "Cookie", cookie.String(), "Authorization", "Bearer wrong"); r.status != http.StatusOK {
		t.Errorf("the cookie and a wrong bearer token: %d, want 200", r.status)
	}

	r = send(t, c, "POST", base+"/debug/logout", nil, "Cookie", cookie.String())
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/debug/pprof/" {
		t.Errorf("logout: %d, Location %q; want 303 to /debug/pprof/", r.status, r.header.Get("Location"))
	}
	if got := r.header.Values("Set-Cookie"); len(got) != 1 || got[0] != name+"=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" {
		t.Errorf("logout: Set-Cookie %q, want the cookie deleted", got)
	}

	if strings.Contains(logs.String(), testToken) || strings.Contains(logs.String(), cookie.Value) {
		t.Errorf("the log holds the token or the session:\n%s", logs.String())
	}
}

// TestLoginInABrowserLikeClient follows the flow as a browser does, with
// a cookie jar and redirects: the page asked for answers the form; the
// form, posted with the token, leads back to the page, which answers;
// after logout the form is back.
func TestLoginInABrowserLikeClient(t *testing.T) {
	t.Parallel()
	base, _ := loginServer(t, testToken, io.Discard)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t)
	c.Jar = jar

	r := send(t, c, "GET", base+"/debug/vitals/", nil, "Accept", browserAccept)
	checkForm(t, "the page before login", r, `Bearer realm="pprof"`, "/debug/vitals/")
	next := hiddenNext.FindStringSubmatch(string(r.body))[1]

	r = send(t, c, "POST", base+"/debug/login", loginBody(testToken, next), "Content-Type", formType, "Accept", browserAccept)
	if r.status != http.StatusOK || string(r.body) != "live page /" {
		t.Fatalf("after login: %d %q, want the live page", r.status, r.body)
	}
	send(t, c, "POST", base+"/debug/logout", nil)
	checkForm(t, "the page after logout", send(t, c, "GET", base+"/debug/vitals/", nil, "Accept", browserAccept),
		`Bearer realm="pprof"`, "/debug/vitals/")
}

// TestLoginWrongToken: another token gets 401 and the form again, with a
// notice and the same next, and no cookie; the answer does not repeat
// what was typed.
func TestLoginWrongToken(t *testing.T) {
	t.Parallel()
	var logs testkit.Buffer
	base, _ := loginServer(t, testToken, &logs)
	c := noRedirects(t)
	for _, wrong := range []string{"", "typed-guess-7d1f", testToken + "x", testToken[1:], strings.ToUpper(testToken), "Bearer " + testToken} {
		r := send(t, c, "POST", base+"/debug/login", loginBody(wrong, "/debug/vitals/"), "Content-Type", formType, "Accept", browserAccept)
		checkForm(t, "token "+wrong, r, `Bearer realm="pprof"`, "/debug/vitals/")
		if !strings.Contains(string(r.body), "That is not the token this server was started with.") {
			t.Errorf("token %q: no notice in the form:\n%s", wrong, r.body)
		}
		if wrong != "" && strings.Contains(string(r.body), wrong) {
			t.Errorf("token %q: the form repeats it", wrong)
		}
		if len(r.header.Values("Set-Cookie")) != 0 {
			t.Errorf("token %q: Set-Cookie %q", wrong, r.header.Values("Set-Cookie"))
		}
		// A client that is not a browser gets plain text.
		r = send(t, c, "POST", base+"/debug/login", loginBody(wrong, "/"), "Content-Type", formType)
		if r.status != http.StatusUnauthorized || r.header.Get("Content-Type") != "text/plain; charset=utf-8" || len(r.header.Values("Set-Cookie")) != 0 {
			t.Errorf("token %q without Accept: text/html: %d %v %q, want 401 in plain text", wrong, r.status, r.header, r.body)
		}
	}
	if strings.Contains(logs.String(), "typed-guess-7d1f") || strings.Contains(logs.String(), testToken) {
		t.Errorf("the log holds a token:\n%s", logs.String())
	}
}

// TestForgedCookieRefused: only this server's session cookie, under the
// name for its port, opens it: not a made-up value, not the token itself,
// not the cookie of another server, whether its token is another or the
// same.
func TestForgedCookieRefused(t *testing.T) {
	t.Parallel()
	base, port := loginServer(t, testToken, io.Discard)
	otherBase, otherPort := loginServer(t, "another-token", io.Discard)
	sameBase, samePort := loginServer(t, testToken, io.Discard)
	c := noRedirects(t)
	login := func(base, token string) *http.Cookie {
		r := send(t, c, "POST", base+"/debug/login", loginBody(token, "/"), "Content-Type", formType)
		resp := http.Response{Header: r.header}
		if cs := resp.Cookies(); r.status == http.StatusSeeOther && len(cs) == 1 {
			return cs[0]
		}
		t.Fatalf("login to %s: %d %v", base, r.status, r.header)
		return nil
	}
	mine, other, same := login(base, testToken), login(otherBase, "another-token"), login(sameBase, testToken)
	if other.Name != "vitals_pprof_session_"+otherPort || same.Name != "vitals_pprof_session_"+samePort {
		t.Fatalf("cookie names %q and %q, want the ports %s and %s", other.Name, same.Name, otherPort, samePort)
	}
	if mine.Value == same.Value {
		t.Fatalf("two servers with the same token hand out the same session %q", mine.Value)
	}
	name := "vitals_pprof_session_" + port
	for what, cookie := range map[string]string{
		"a made-up value":                       name + "=AAAAAAAAAAAAAAAAAAAAAAAAAA",
		"an empty value":                        name + "=",
		"the token":                             name + "=" + url.QueryEscape(testToken),
		"a server with another token's value":   name + "=" + other.Value,
		"a server with the same token's value":  name + "=" + same.Value,
		"its value under another port's name":   "vitals_pprof_session_" + otherPort + "=" + mine.Value,
		"its value under the name without port": "vitals_pprof_session=" + mine.Value,
		"its value with one more character":     name + "=" + mine.Value + "A",
		"its value less its last character":     name + "=" + mine.Value[:len(mine.Value)-1],
		"its value in lower case":               name + "=" + strings.ToLower(mine.Value),
	} {
		r := send(t, c, "GET", base+"/debug/vitals/", nil, "Cookie", cookie)
		if r.status != http.StatusUnauthorized {
			t.Errorf("%s (Cookie: %s): %d, want 401", what, cookie, r.status)
		}
	}
	// Among others of its name, the right one is found.
	r := send(t, c, "GET", base+"/debug/vitals/", nil, "Cookie", name+"=forged; "+mine.String())
	if r.status != http.StatusOK {
		t.Errorf("its cookie after a forged one of the same name: %d, want 200", r.status)
	}
}

// TestLoginNextStaysLocal: the login redirects only to a path of this
// server; anything a browser could read as another host or a script
// leads to the index instead.
func TestLoginNextStaysLocal(t *testing.T) {
	t.Parallel()
	base, _ := loginServer(t, testToken, io.Discard)
	c := noRedirects(t)
	for next, want := range map[string]string{
		"/debug/vitals/":                  "/debug/vitals/",
		"/debug/vitals/?filter=a%20b&x=1": "/debug/vitals/?filter=a%20b&x=1",
		"/":                               "/",
		"//evil.example":                  "/debug/pprof/",
		"//evil.example/debug/vitals/":    "/debug/pprof/",
		"http://x":                        "/debug/pprof/",
		"https://evil.example/":           "/debug/pprof/",
		"/\\evil.example":                 "/debug/pprof/",
		"\\\\evil.example":                "/debug/pprof/",
		"/\t/evil.example":                "/debug/pprof/",
		"/\n/evil.example":                "/debug/pprof/",
		" //evil.example":                 "/debug/pprof/",
		"javascript:alert(1)":             "/debug/pprof/",
		"evil.example":                    "/debug/pprof/",
		"/debug/login":                    "/debug/pprof/",
		"/debug/logout?x":                 "/debug/pprof/",
		"/caf\u00e9":                      "/debug/pprof/",
		"":                                "/debug/pprof/",
	} {
		r := send(t, c, "POST", base+"/debug/login", loginBody(testToken, next), "Content-Type", formType)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != want {
			t.Errorf("next=%q: %d, Location %q; want 303 to %q", next, r.status, r.header.Get("Location"), want)
		}
		// The form shows the same next, escaped for HTML.
		r = send(t, c, "POST", base+"/debug/login", loginBody("wrong", next), "Content-Type", formType, "Accept", "text/html")
		if m := hiddenNext.FindStringSubmatch(string(r.body)); m == nil || strings.ReplaceAll(m[1], "&amp;", "&") != want {
			t.Errorf("next=%q: the form's next is %q, want %q", next, m, want)
		}
	}
}

// TestLoginBody: the form is read from a bounded body of the form type
// only, never from the URL, and a malformed one is refused without being
// quoted.
func TestLoginBody(t *testing.T) {
	t.Parallel()
	base, _ := loginServer(t, testToken, io.Discard)
	c := noRedirects(t)
	huge := "next=/&token=" + testToken + "&pad=" + strings.Repeat("a", 10<<10)
	for _, tc := range []struct {
		what, target, contentType, body string
		status                          int
	}{
		{"a body over 8 KiB", "/debug/login", formType, huge, http.StatusRequestEntityTooLarge},
		{"JSON", "/debug/login", "application/json", `{"token":"` + testToken + `"}`, http.StatusUnsupportedMediaType},
		{"multipart", "/debug/login", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n" + testToken + "\r\n--x--\r\n", http.StatusUnsupportedMediaType},
		{"no content type", "/debug/login", "", "token=" + url.QueryEscape(testToken), http.StatusUnsupportedMediaType},
		{"the token in the URL only", "/debug/login?token=" + url.QueryEscape(testToken), formType, "next=/", http.StatusUnauthorized},
		{"a bad escape after the token", "/debug/login", formType, "token=" + url.QueryEscape(testToken) + "%zz", http.StatusBadRequest},
		{"a bad escape in the token", "/debug/login", formType, "token=" + testToken, http.StatusBadRequest},
		{"the form type with a charset", "/debug/login", formType + "; charset=utf-8", "token=" + url.QueryEscape(testToken), http.StatusSeeOther},
	} {
		r := send(t, c, "POST", base+tc.target, strings.NewReader(tc.body), "Content-Type", tc.contentType)
		if r.status != tc.status {
			t.Errorf("%s: %d %q, want %d", tc.what, r.status, r.body, tc.status)
		}
		if strings.Contains(string(r.body), "%zz") || strings.Contains(string(r.body), "%&'") {
			t.Errorf("%s: the answer quotes the body: %q", tc.what, r.body)
		}
	}
	// GET /debug/login is no endpoint: it is refused as any path, and
	// with the token, not found.
	if r := send(t, c, "GET", base+"/debug/login", nil); r.status != http.StatusUnauthorized {
		t.Errorf("GET /debug/login: %d, want 401", r.status)
	}
	if r := send(t, c, "GET", base+"/debug/login", nil, "Authorization", "Bearer "+testToken); r.status != http.StatusNotFound {
		t.Errorf("GET /debug/login with the token: %d, want 404", r.status)
	}
}

// TestNoTokenNoLogin: without a token nothing changes: there are no
// login endpoints, and a browser gets the page itself.
func TestNoTokenNoLogin(t *testing.T) {
	t.Parallel()
	base, _ := loginServer(t, "", io.Discard)
	c := noRedirects(t)
	for _, p := range []string{"/debug/login", "/debug/logout"} {
		r := send(t, c, "POST", base+p, loginBody("x", "/"), "Content-Type", formType)
		if r.status != http.StatusNotFound || len(r.header.Values("Set-Cookie")) != 0 {
			t.Errorf("POST %s without a token: %d %v, want 404", p, r.status, r.header)
		}
	}
	if r := send(t, c, "GET", base+"/debug/vitals/", nil, "Accept", browserAccept); r.status != http.StatusOK || string(r.body) != "live page /" {
		t.Errorf("a browser's GET /debug/vitals/ without a token: %d %q, want the page", r.status, r.body)
	}
}
