package pprofserver

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The login endpoints, served only when there is a token.
const (
	loginPath  = "/debug/login"
	logoutPath = "/debug/logout"

	// defaultNext is where a login or logout leads without a usable next:
	// the index, which links to everything else.
	defaultNext = "/debug/pprof/"

	maxLoginBody     = 8 << 10          // bytes of form: the token and next
	loginReadBudget  = 10 * time.Second // to receive them
	formContentType  = "application/x-www-form-urlencoded"
	wrongTokenNotice = "That is not the token this server was started with."
)

// login answers POST /debug/login, the form's target. With the form field
// token equal to the server's token (compared in constant time), it sets
// the session cookie and redirects (303 See Other) to the form field next
// if that is a path of this server, or to the index. With another token
// it answers 401 and the form again, with a notice. Neither the token nor
// what was typed is logged or sent back.
//
// Failed attempts are not slowed down: the Authorization header of any
// request can try a token as fast, and a delay would hold a goroutine per
// attempt without slowing an attacker who sends them in parallel; a
// lockout would let anyone lock the owner out. A token of the entropy the
// documentation asks for (openssl rand -hex 32) is the defence.
func (g *guard) login(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != formContentType {
		serveError(w, http.StatusUnsupportedMediaType, "pprofserver: POST the form field token as "+formContentType)
		return
	}
	form, ok := readForm(w, r)
	if !ok {
		return
	}
	next := localPath(form.Get("next"))
	if !g.matches(form.Get("token")) {
		w.Header().Set("WWW-Authenticate", challengeMissing)
		if wantsHTML(r) {
			serveLoginForm(w, next, wrongTokenNotice)
			return
		}
		serveError(w, http.StatusUnauthorized, "pprofserver: "+wrongTokenNotice)
		return
	}
	g.session.set(w, r)
	redirect(w, next)
}

// logout answers POST /debug/logout: it tells the browser to drop the
// session cookie, and redirects to the form field next, or to the index,
// which then asks for the token again. The cookie's value is the same
// for every browser and stays valid until the process restarts, so this
// logs out one browser; it revokes nothing.
func (g *guard) logout(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	form, ok := readForm(w, r)
	if !ok {
		return
	}
	g.session.clear(w, r)
	redirect(w, localPath(form.Get("next")))
}

// readForm reads the form of a POST body, of at most maxLoginBody bytes
// and within loginReadBudget, answering 413 or 400 itself when it cannot.
// Fields in the URL's query are ignored, so that a token never travels
// where logs and histories keep URLs. The error does not quote the body,
// which holds the token.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	// The server sets no ReadTimeout (it would cancel long profiles), so
	// bound the time a slow client may take to send the body here.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(loginReadBudget))
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginBody)
	if err := r.ParseForm(); err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			serveError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("pprofserver: a login form has at most %d bytes", maxLoginBody))
			return nil, false
		}
		serveError(w, http.StatusBadRequest, "pprofserver: the body is not a valid "+formContentType+" form")
		return nil, false
	}
	return r.PostForm, true
}

// redirect sends the browser to path with 303 See Other, which a browser
// follows with a GET.
func redirect(w http.ResponseWriter, path string) {
	w.Header().Set("Location", path)
	w.WriteHeader(http.StatusSeeOther)
}

// localPath returns next if it is a path of this server, or defaultNext.
// Only an absolute path is one: it starts with "/" but not "//" (another
// host, for a browser) nor "/\" (browsers read the backslash as a slash),
// and has no backslash, control character, space or non-ASCII byte, which
// browsers drop or rewrite before they resolve a URL. A scheme ("http:",
// "javascript:") cannot come first. The login and logout paths lead to
// the index instead, which is what their user wants to see.
func localPath(next string) string {
	if next == "" || next[0] != '/' || len(next) > 1 && next[1] == '/' {
		return defaultNext
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c > '~' || c == '\\' {
			return defaultNext
		}
	}
	path := next
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	if path == loginPath || path == logoutPath {
		return defaultNext
	}
	return next
}
