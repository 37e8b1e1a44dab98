package pprofserver

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"runtime/pprof"
	"time"
)

// serveCPUProfile profiles the CPU for ?seconds=N (default 30, at most
// MaxSeconds) and writes the profile, gzipped protobuf. The process can take
// one CPU profile at a time: a request made while another runs gets 409.
//
// The status line and headers are sent as soon as profiling has started, so
// a client knows at once that its profile is running rather than refused.
// The profile is collected in memory (it is small: 100 samples a second,
// compressed) and written at the end. It ends early if the client goes away
// or the Server shuts down; what was collected until then is still written.
func serveCPUProfile(w http.ResponseWriter, r *http.Request) {
	d, err := secondsParam(r.URL.Query(), defaultProfileSeconds)
	if err != nil {
		serveError(w, http.StatusBadRequest, err.Error())
		return
	}
	extendWriteDeadline(w, r, d)
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		serveError(w, http.StatusConflict, fmt.Sprintf("could not start a CPU profile (one at a time): %v", err))
		return
	}
	setBinaryHeaders(w, "profile")
	w.WriteHeader(http.StatusOK)
	_ = http.NewResponseController(w).Flush() // fails only when the client is gone
	sleep(r.Context(), d)
	pprof.StopCPUProfile() // waits until the profile is all in buf
	_, _ = w.Write(buf.Bytes())
}

// sleep waits for d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
