package pprofserver

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
)

// cookiePrefix starts the name of the session cookie; the server's port
// follows (see session.cookieName).
const cookiePrefix = "vitals_pprof_session"

// session is the value of the cookie that a browser gets for the token.
// It is random, made when the handler is, and shared by every browser
// that logs in: it is not derived from the token, so a stolen cookie
// reveals nothing of the token, not even to a search of weak tokens, and
// it stops working when the process restarts, while the token may not.
// It has no expiry and cannot be revoked one browser at a time: it is
// worth what the token is worth, for the life of the process.
type session struct {
	value string            // 26 characters of base32: 130 random bits
	sum   [sha256.Size]byte // its digest, to compare in constant time
}

func newSession() session {
	v := rand.Text()
	return session{value: v, sum: sha256.Sum256([]byte(v))}
}

// valid reports whether r carries the session cookie. Every cookie of
// that name is tried, each in constant time.
func (s *session) valid(r *http.Request) bool {
	ok := false
	for _, c := range r.CookiesNamed(cookieName(r)) {
		sum := sha256.Sum256([]byte(c.Value))
		ok = subtle.ConstantTimeCompare(sum[:], s.sum[:]) == 1 || ok
	}
	return ok
}

// set gives the browser the session cookie.
func (s *session) set(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, s.cookie(r, s.value, 0))
}

// clear tells the browser to drop the session cookie.
func (s *session) clear(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, s.cookie(r, "", -1))
}

// cookie is the session cookie for r with value and maxAge (0: until the
// browser ends the session; negative: delete it now). It is HttpOnly, so
// no script reads it, and SameSite=Strict, so no other site's page can
// make the browser send it. It is Secure only on a TLS connection: the
// server speaks plain HTTP, where a browser would not send a Secure
// cookie back (but for localhost).
func (s *session) cookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     cookieName(r),
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	}
}

// cookieName is the cookie's name for the port r was sent to, such as
// vitals_pprof_session_6060: browsers keep cookies by host, not by host
// and port, so two processes on one machine would otherwise overwrite
// each other's cookie, and logging in to one would log out of the other.
// A Host without a port (80 or 443) gets the prefix alone.
func cookieName(r *http.Request) string {
	_, port, err := net.SplitHostPort(r.Host)
	if err != nil || port == "" || len(port) > 5 {
		return cookiePrefix
	}
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return cookiePrefix
		}
	}
	return cookiePrefix + "_" + port
}
