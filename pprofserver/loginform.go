package pprofserver

import (
	"bytes"
	"html/template"
	"net/http"
)

// loginCSP is the Content-Security-Policy of the login form: no script,
// no request but the form's own POST to this server, only the page's own
// <style>, and no framing by another page.
const loginCSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// loginForm asks a browser for the token. It has no script: the browser
// posts the form to /debug/login, which sets the session cookie and
// redirects to next, the page that was asked for.
var loginForm = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Token required</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 4rem auto; max-width: 26rem; padding: 0 1rem; color: #222; }
label, input, button { display: block; font: inherit; }
input { width: 100%; box-sizing: border-box; margin: .3rem 0 1rem; padding: .4rem; }
button { padding: .4rem 1.2rem; }
.notice { color: #b00020; font-weight: 600; }
code, small { color: #555; }
</style>
</head>
<body>
<h1>Token required</h1>
<p>This debug server is protected by a token (<code>VITALS_PPROF_TOKEN</code>).</p>
{{if .Notice}}<p class="notice" role="alert">{{.Notice}}</p>
{{end}}<form method="post" action="/debug/login">
<input type="hidden" name="next" value="{{.Next}}">
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Log in</button>
</form>
<p><small>Programs send <code>Authorization: Bearer &lt;token&gt;</code> instead.</small></p>
</body>
</html>
`))

// serveLoginForm answers 401 with the login form, which leads to next
// (made a local path here too) once the token is given, and shows notice
// if it is not "". The caller sets WWW-Authenticate.
func serveLoginForm(w http.ResponseWriter, next, notice string) {
	var buf bytes.Buffer
	if err := loginForm.Execute(&buf, struct{ Next, Notice string }{localPath(next), notice}); err != nil {
		// Two strings into a fixed template cannot fail; say so plainly
		// rather than send half a page if it ever does.
		serveError(w, http.StatusUnauthorized, "pprofserver: this server requires its token")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", loginCSP)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write(buf.Bytes())
}
