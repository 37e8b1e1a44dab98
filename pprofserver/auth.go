package pprofserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
)

// requireToken returns next behind a check of the bearer token, or next
// itself when token is empty. A request that does not carry
// "Authorization: Bearer <token>" gets 401 Unauthorized before it reaches
// next, whatever its path, so that without the token nothing is learned,
// not even which paths exist.
func requireToken(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	return bearer{sum: sha256.Sum256([]byte(token)), next: next}
}

// bearer keeps only a digest of the token: the comparison is then of two
// equal-length digests, in constant time, and reveals neither the token's
// bytes nor its length.
type bearer struct {
	sum  [sha256.Size]byte
	next http.Handler
}

func (b bearer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	got, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="pprof"`)
		serveError(w, http.StatusUnauthorized, `pprofserver: this server requires "Authorization: Bearer <token>" `+
			`with the token it was started with (Config.Token, VITALS_PPROF_TOKEN)`)
		return
	}
	sum := sha256.Sum256([]byte(got))
	if subtle.ConstantTimeCompare(sum[:], b.sum[:]) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="pprof", error="invalid_token"`)
		serveError(w, http.StatusUnauthorized, "pprofserver: the bearer token is not the one this server was started with")
		return
	}
	b.next.ServeHTTP(w, r)
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
