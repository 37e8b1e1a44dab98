package pprofserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"runtime"
)

// serveVars writes what package expvar serves at /debug/vars when nothing
// else is published: the command line and runtime.MemStats, as JSON, in the
// same shape, so tools that read expvar output read this. Importing expvar
// would register that handler on http.DefaultServeMux, so it is written
// here instead; a program's own expvar variables are not included.
func serveVars(w http.ResponseWriter, r *http.Request) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	cmdline, err := json.Marshal(os.Args)
	if err != nil {
		serveError(w, http.StatusInternalServerError, err.Error())
		return
	}
	memstats, err := json.Marshal(&ms)
	if err != nil {
		serveError(w, http.StatusInternalServerError, err.Error())
		return
	}
	var b bytes.Buffer
	b.WriteString("{\n\"cmdline\": ")
	b.Write(cmdline)
	b.WriteString(",\n\"memstats\": ")
	b.Write(memstats)
	b.WriteString("\n}\n")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}
