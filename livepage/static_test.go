package livepage

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestStatic checks the page, its files and their headers.
func TestStatic(t *testing.T) {
	p := newPage(t, Config{})
	for target, typ := range map[string]string{
		"/":                                      "text/html; charset=utf-8",
		"/static/app.js":                         "text/javascript; charset=utf-8",
		"/static/style.css":                      "text/css; charset=utf-8",
		"/static/vendor/uplot/uPlot.iife.min.js": "text/javascript; charset=utf-8",
		"/static/vendor/uplot/LICENSE":           "text/plain; charset=utf-8",
	} {
		w := serve(t, p, target)
		h := w.Header()
		if w.Code != http.StatusOK || h.Get("Content-Type") != typ || h.Get("Content-Security-Policy") != contentSecurityPolicy || w.Body.Len() == 0 {
			t.Errorf("%s: %d, Content-Type %q, CSP %q, %d bytes", target, w.Code, h.Get("Content-Type"), h.Get("Content-Security-Policy"), w.Body.Len())
		}
		if target == "/" && h.Get("Cache-Control") != "no-store" {
			t.Errorf("the page's Cache-Control is %q, want no-store", h.Get("Cache-Control"))
		}
		if target == "/" && !strings.Contains(w.Body.String(), `src="static/app.js"`) {
			t.Errorf("the page does not load static/app.js by a relative URL")
		}
	}
	for _, target := range []string{"/static/", "/static/vendor", "/static/nope.js", "/nope", "/api/nope", "/index.html"} {
		w := serve(t, p, target)
		var e struct{ Error string }
		if w.Code != http.StatusNotFound || json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error == "" {
			t.Errorf("%s: %d %s, want 404 with a JSON error", target, w.Code, w.Body)
		}
	}

	// The ETag spares a second download.
	w := serve(t, p, "/static/app.js")
	req := httptest.NewRequest(http.MethodGet, "/static/app.js", nil)
	req.Header.Set("If-None-Match", w.Header().Get("ETag"))
	w2 := httptest.NewRecorder()
	p.ServeHTTP(w2, req)
	if w.Header().Get("ETag") == "" || w2.Code != http.StatusNotModified {
		t.Errorf("ETag %q, revalidation: %d, want 304", w.Header().Get("ETag"), w2.Code)
	}

	w = httptest.NewRecorder()
	p.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/state", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST api/state: %d, want 405", w.Code)
	}
}
