package pprofserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
)

// requireToken returns next behind a check of the token, or next itself
// when token is empty. A request passes with "Authorization: Bearer
// <token>" or with the session cookie that POST /debug/login hands out
// for the token (see session.go and login.go). Any other gets 401
// Unauthorized before it reaches next, whatever its path, so that without
// the token nothing is learned, not even which paths exist: a browser
// asking for a page gets the login form, any other client plain text.
func requireToken(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	return &guard{token: sha256.Sum256([]byte(token)), session: newSession(), next: next}
}

// guard keeps only a digest of the token: the comparison is then of two
// equal-length digests, in constant time, and reveals neither the token's
// bytes nor its length.
type guard struct {
	token   [sha256.Size]byte
	session session
	next    http.Handler
}

// The challenges of a 401 answer: no token was sent, or another one.
const (
	challengeMissing = `Bearer realm="pprof"`
	challengeInvalid = `Bearer realm="pprof", error="invalid_token"`
)

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		switch r.URL.Path {
		case loginPath:
			g.login(w, r)
			return
		case logoutPath:
			g.logout(w, r)
			return
		}
	}
	got, sent := bearerToken(r.Header.Get("Authorization"))
	if (sent && g.matches(got)) || g.session.valid(r) {
		g.next.ServeHTTP(w, r)
		return
	}
	if sent {
		w.Header().Set("WWW-Authenticate", challengeInvalid)
	} else {
		w.Header().Set("WWW-Authenticate", challengeMissing)
	}
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && wantsHTML(r) {
		serveLoginForm(w, r.URL.RequestURI(), "")
		return
	}
	if sent {
		serveError(w, http.StatusUnauthorized, "pprofserver: the bearer token is not the one this server was started with")
		return
	}
	serveError(w, http.StatusUnauthorized, `pprofserver: this server requires "Authorization: Bearer <token>" `+
		`with the token it was started with (Config.Token, VITALS_PPROF_TOKEN)`)
}

// matches compares token with the server's, in constant time.
func (g *guard) matches(token string) bool {
	sum := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(sum[:], g.token[:]) == 1
}

// bearerToken returns the token of an Authorization header value of the
// Bearer scheme, whose name is case-insensitive (RFC 9110, section 11.1).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimLeft(token, " ")
	return token, token != ""
}

// wantsHTML reports whether r comes from a browser that would show an
// HTML page: its Accept header names text/html. curl sends */*, go tool
// pprof and the live page's own requests send no text/html.
func wantsHTML(r *http.Request) bool {
	for _, accept := range r.Header.Values("Accept") {
		if strings.Contains(strings.ToLower(accept), "text/html") {
			return true
		}
	}
	return false
}

// checkToken refuses a token that cannot be sent in an Authorization
// header as it is: it must be printable ASCII without spaces. The error
// does not quote the token.
func checkToken(token string) error {
	for i := 0; i < len(token); i++ {
		if c := token[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("pprofserver: Token (VITALS_PPROF_TOKEN) has a space, a control or a non-ASCII character at byte %d; "+
				"a bearer token must be printable ASCII without spaces", i)
		}
	}
	return nil
}
