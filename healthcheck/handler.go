package healthcheck

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Handler returns an http.Handler that serves the report as JSON, for load
// balancers and scripts:
//
//	{
//	  "header": "alerts: v42 linux/amd64 [go version go1.26.8] (unknown build time)",
//	  "status": "WARN",
//	  "uptime_ns": 11525000000000,
//	  "pid": 4242,
//	  "time": "2025-11-20T14:03:11.5Z",
//	  "checks": [
//	    {"name": "In Q", "status": "GOOD", "value": "0"},
//	    {"name": "State Q", "status": "WARN", "value": "812 (warn > 500)"}
//	  ]
//	}
//
// The status code is 200 for a GOOD or WARN report and 503 for a CRITICAL
// one. It answers GET and HEAD and refuses other methods with 405. The
// handler registers nowhere: mount it on your own mux.
func (h *Health) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed: use GET or HEAD", http.StatusMethodNotAllowed)
			return
		}
		report := h.Report(r.Context())
		body, err := json.MarshalIndent(report, "", "  ")
		if err != nil { // a Report from Report always encodes; this is defence
			http.Error(w, "healthcheck: encoding the report: "+err.Error(), http.StatusInternalServerError)
			return
		}
		body = append(body, '\n')
		code := http.StatusOK
		if report.Status != Good && report.Status != Warn {
			code = http.StatusServiceUnavailable
		}
		hdr := w.Header()
		hdr.Set("Content-Type", "application/json")
		hdr.Set("Content-Length", strconv.Itoa(len(body)))
		hdr.Set("Cache-Control", "no-store")
		hdr.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(code)
		if r.Method != http.MethodHead {
			w.Write(body) // an error means the client went away: nothing to do
		}
	})
}
