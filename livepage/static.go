package livepage

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// static holds the page: index.html, its script and style, and the
// vendored chart library with its licence.
//
//go:embed static
var static embed.FS

// contentSecurityPolicy lets the page load only what this handler serves,
// and run no inline script: nothing it shows can reach another host.
const contentSecurityPolicy = "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; " +
	"script-src 'self'; base-uri 'none'; frame-ancestors 'none'"

// contentTypes are the types of the files the page is made of, by
// extension; a file without one is text.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".txt":  "text/plain; charset=utf-8",
	"":      "text/plain; charset=utf-8",
	".json": "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
}

// serveIndex serves the page itself.
func serveIndex(w http.ResponseWriter, r *http.Request) {
	serveFile(w, r, "index.html", "no-store")
}

// serveStatic serves static/{path...}. Clients revalidate with the ETag,
// a digest of the file, so a new binary's page is never mixed with an old
// one's script.
func serveStatic(w http.ResponseWriter, r *http.Request) {
	serveFile(w, r, r.PathValue("path"), "no-cache")
}

// serveFile serves the embedded file static/name, or a 404.
func serveFile(w http.ResponseWriter, r *http.Request, name, cacheControl string) {
	typ, known := contentTypes[path.Ext(name)]
	data, err := fs.ReadFile(static, "static/"+name)
	if err != nil || !known || strings.Contains(name, "..") {
		writeError(w, http.StatusNotFound, "livepage: no such file: static/"+name)
		return
	}
	sum := sha256.Sum256(data)
	h := w.Header()
	h.Set("Content-Type", typ)
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Cache-Control", cacheControl)
	h.Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}
