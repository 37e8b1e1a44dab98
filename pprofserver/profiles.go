package pprofserver

import (
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
)

// serveIndexOrProfile serves /debug/pprof/ (the index, with a link to the
// live page if live) and /debug/pprof/<name>, a profile of runtime/pprof:
// goroutine, heap, allocs, threadcreate, block, mutex, or one the program
// made with pprof.NewProfile.
func serveIndexOrProfile(w http.ResponseWriter, r *http.Request, live bool) {
	name := r.PathValue("name")
	if name == "" {
		serveIndex(w, r, live)
		return
	}
	serveProfile(w, r, name)
}

// serveProfile writes a named profile: gzipped protobuf by default, text
// with ?debug=1 (and goroutine stacks as in a panic with ?debug=2). For the
// heap profile, ?gc=1 collects garbage first, so that it shows live objects
// as of now rather than as of the last collection.
func serveProfile(w http.ResponseWriter, r *http.Request, name string) {
	p := pprof.Lookup(name)
	if p == nil {
		serveError(w, http.StatusNotFound, fmt.Sprintf("unknown profile %q: /debug/pprof/ lists them", name))
		return
	}
	q := r.URL.Query()
	if q.Has("seconds") {
		// net/http/pprof answers with the difference of two profiles. That
		// needs a profile.proto decoder and merger, which the standard
		// library keeps internal; the pprof tool does the same job.
		serveError(w, http.StatusBadRequest, fmt.Sprintf(
			"seconds= (a delta profile) is not supported here: fetch %s twice and compare with: go tool pprof -base first second", name))
		return
	}
	debug, err := intParam(q, "debug")
	if err != nil {
		serveError(w, http.StatusBadRequest, err.Error())
		return
	}
	gc, err := intParam(q, "gc")
	if err != nil {
		serveError(w, http.StatusBadRequest, err.Error())
		return
	}
	if name == "heap" && gc > 0 {
		runtime.GC()
	}
	if debug == 0 {
		setBinaryHeaders(w, name)
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	// WriteTo fails only when w does, when the client has gone: there is
	// no one left to tell.
	_ = p.WriteTo(w, debug)
}

// serveCmdline writes the command line, arguments separated by NUL bytes, as
// net/http/pprof does.
func serveCmdline(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprint(w, strings.Join(os.Args, "\x00"))
}
