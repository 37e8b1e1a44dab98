package pprofserver

import (
	"bytes"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"runtime/pprof"
	"slices"
	"strings"
)

// descriptions of the endpoints under /debug/pprof/, for the index.
var descriptions = map[string]string{
	"allocs":       "A sampling of every allocation since the program started. Same data as heap; pprof shows alloc_space by default.",
	"block":        "Stack traces that led to blocking on synchronization primitives. Empty unless block profiling is on (Config.BlockProfileRate).",
	"cmdline":      "The command line of the program, arguments separated by NUL bytes.",
	"goroutine":    "Stack traces of all current goroutines. debug=2 prints them as an unrecovered panic would.",
	"heap":         "A sampling of memory allocations of live objects. gc=1 collects garbage first.",
	"mutex":        "Stack traces of holders of contended mutexes. Empty unless mutex profiling is on (Config.MutexProfileFraction).",
	"profile":      "CPU profile for seconds=N (default 30). Open it with go tool pprof.",
	"symbol":       "Maps program counters to function names: hexadecimal counters joined by '+', in a GET query or a POST body.",
	"threadcreate": "Stack traces that led to the creation of new OS threads.",
	"trace":        "Execution trace for seconds=N (default 1). Open it with go tool trace.",
}

type indexEntry struct {
	name  string
	count int // -1: not a runtime/pprof profile, no count
}

// serveIndex lists every runtime/pprof profile, with its count, and the
// other endpoints, as an HTML page; with a link to the live page if live.
func serveIndex(w http.ResponseWriter, r *http.Request, live bool) {
	var entries []indexEntry
	for _, p := range pprof.Profiles() {
		entries = append(entries, indexEntry{p.Name(), p.Count()})
	}
	for _, name := range []string{"cmdline", "profile", "symbol", "trace"} {
		entries = append(entries, indexEntry{name, -1})
	}
	slices.SortFunc(entries, func(a, b indexEntry) int { return strings.Compare(a.name, b.name) })

	var b bytes.Buffer
	b.WriteString(`<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>/debug/pprof/</title>
<style>td{padding:0 1em 0 0}</style>
</head>
<body>
<h1>/debug/pprof/</h1>
<p>Open a profile with <code>go tool pprof http://HOST/debug/pprof/NAME</code>.
The links below ask for debug=1, a text form.</p>
<table>
<thead><tr><td>Count</td><td>Profile</td><td>Description</td></tr></thead>
`)
	for _, e := range entries {
		// A url.URL with only a path writes it relative, escaped, and with
		// a "./" before a colon that would otherwise read as a scheme.
		link := (&url.URL{Path: e.name, RawQuery: "debug=1"}).String()
		count := ""
		if e.count >= 0 {
			count = fmt.Sprint(e.count)
		}
		fmt.Fprintf(&b, "<tr><td>%s</td><td><a href=\"%s\">%s</a></td><td>%s</td></tr>\n",
			count, html.EscapeString(link), html.EscapeString(e.name), html.EscapeString(descriptions[e.name]))
	}
	b.WriteString("</table>\n")
	if live {
		b.WriteString(`<p><a href="../vitals/">/debug/vitals/</a>: the live page, every metric charted over the last hour.</p>
`)
	}
	b.WriteString(`<p><a href="goroutine?debug=2">Full goroutine stack dump</a></p>
<p>Also here: <a href="../vars">/debug/vars</a> (command line and runtime.MemStats, as expvar),
<a href="../metrics">/debug/metrics</a> (the metrics registry, as JSON).</p>
</body>
</html>
`)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}
