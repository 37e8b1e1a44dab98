package pprofserver

import (
	"fmt"
	"net/http"
	"runtime/trace"
)

// serveTrace records an execution trace for ?seconds=N (default 1, at most
// MaxSeconds), for go tool trace. A trace can be large, so it is streamed to
// the client as the runtime produces it. The process can record one trace
// at a time: a request made while another runs gets 409. Like a CPU profile,
// it ends early when the client goes away or the Server shuts down.
func serveTrace(w http.ResponseWriter, r *http.Request) {
	d, err := secondsParam(r.URL.Query(), defaultTraceSeconds)
	if err != nil {
		serveError(w, http.StatusBadRequest, err.Error())
		return
	}
	extendWriteDeadline(w, r, d)
	// The headers go first: once started, the tracer writes to w from its
	// own goroutine until trace.Stop returns.
	setBinaryHeaders(w, "trace")
	if err := trace.Start(w); err != nil {
		serveError(w, http.StatusConflict, fmt.Sprintf("could not start an execution trace (one at a time): %v", err))
		return
	}
	sleep(r.Context(), d)
	trace.Stop()
}
