package pprofserver_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/pprofserver"
)

// TestEndpointsAnswer200 fetches every endpoint from a running server.
// It takes a CPU profile and a trace, so it does not run in parallel.
func TestEndpointsAnswer200(t *testing.T) {
	s := start(t, pprofserver.Config{Health: http.NotFoundHandler()})
	c := newClient(t)
	base := "http://" + s.Addr()

	type want struct{ contentType, filename string }
	binary := func(name string) want { return want{"application/octet-stream", name} }
	text := want{contentType: "text/plain; charset=utf-8"}
	paths := map[string]want{
		"/debug/pprof/":                  {contentType: "text/html; charset=utf-8"},
		"/debug/pprof":                   {contentType: "text/html; charset=utf-8"}, // redirected
		"/debug/pprof/cmdline":           text,
		"/debug/pprof/profile?seconds=1": binary("profile"),
		"/debug/pprof/trace?seconds=1":   binary("trace"),
		"/debug/pprof/symbol":            text,
		"/debug/pprof/heap?gc=1":         binary("heap"),
		"/debug/pprof/goroutine?debug=2": text,
		"/debug/vars":                    {contentType: "application/json; charset=utf-8"},
		"/debug/metrics":                 {contentType: "application/json; charset=utf-8"},
	}
	for _, p := range pprof.Profiles() { // every profile the runtime has, in both forms
		paths["/debug/pprof/"+p.Name()] = binary(p.Name())
		paths["/debug/pprof/"+p.Name()+"?debug=1"] = text
	}
	for _, name := range []string{"goroutine", "heap", "allocs", "threadcreate", "block", "mutex"} {
		if _, ok := paths["/debug/pprof/"+name]; !ok {
			t.Errorf("runtime/pprof has no %s profile", name)
		}
	}

	for path, w := range paths {
		r := get(t, c, base+path)
		if r.status != http.StatusOK {
			t.Errorf("GET %s: status %d, body %.200q", path, r.status, r.body)
			continue
		}
		if got := r.header.Get("Content-Type"); got != w.contentType {
			t.Errorf("GET %s: Content-Type %q, want %q", path, got, w.contentType)
		}
		wantDisposition := ""
		if w.filename != "" {
			wantDisposition = fmt.Sprintf("attachment; filename=%q", w.filename)
		}
		if got := r.header.Get("Content-Disposition"); got != wantDisposition {
			t.Errorf("GET %s: Content-Disposition %q, want %q", path, got, wantDisposition)
		}
		if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q, want nosniff", path, got)
		}
		if len(r.body) == 0 {
			t.Errorf("GET %s: empty body", path)
		}
	}
}

func TestIndexListsEveryProfile(t *testing.T) {
	t.Parallel()
	rec := serve(pprofserver.Config{}, "GET", "/debug/pprof/", nil)
	body := rec.Body.String()
	for _, name := range []string{
		"allocs", "block", "goroutine", "heap", "mutex", "threadcreate", // runtime/pprof's
		"cmdline", "profile", "symbol", "trace",
	} {
		if !strings.Contains(body, fmt.Sprintf(`<a href="%s?debug=1">%s</a>`, name, name)) {
			t.Errorf("the index has no link to %s:\n%s", name, body)
		}
	}
}

// customProfile is a profile of the test's own, with a name to escape.
// Profiles cannot be unregistered, so it is made once.
var customProfile = pprof.NewProfile("pprofserver<test>:\"x")

func TestIndexEscapesProfileNames(t *testing.T) {
	t.Parallel()
	body := serve(pprofserver.Config{}, "GET", "/debug/pprof/", nil).Body.String()
	if strings.Contains(body, "<test>") {
		t.Errorf("the index shows a profile name unescaped:\n%s", body)
	}
	if !strings.Contains(body, "pprofserver&lt;test&gt;") {
		t.Errorf("the index does not list the custom profile:\n%s", body)
	}
}

// burnCPU keeps a core busy until stop is closed, so that a CPU profile
// has samples.
func burnCPU(stop <-chan struct{}) {
	x := 1
	for {
		select {
		case <-stop:
			return
		default:
		}
		for i := range 100000 {
			x = x*31 + i
		}
		if x == 42 {
			fmt.Println() // keep x alive
		}
	}
}

// TestCPUProfileParses checks that the CPU profile is a gzipped protobuf
// with the fields of profile.proto, and that go tool pprof reads it.
func TestCPUProfileParses(t *testing.T) {
	s := start(t, pprofserver.Config{})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { burnCPU(stop) })
	r := get(t, newClient(t), "http://"+s.Addr()+"/debug/pprof/profile?seconds=1")
	close(stop)
	wg.Wait()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %q", r.status, r.body)
	}
	p := parseProfile(t, r.body)
	for _, s := range []string{"samples", "count", "cpu", "nanoseconds"} {
		if !p.hasString(s) {
			t.Errorf("the profile's string table lacks %q", s)
		}
	}
	if d := time.Duration(p.varints[10]); d < 500*time.Millisecond || d > 10*time.Second {
		t.Errorf("duration_nanos is %v, want about 1s", d)
	}

	file := filepath.Join(t.TempDir(), "cpu.pb.gz")
	if err := os.WriteFile(file, r.body, 0o600); err != nil {
		t.Fatal(err)
	}
	out := goToolPprof(t, "-top", file)
	if !strings.Contains(out, "Type: cpu") {
		t.Errorf("go tool pprof -top does not show a CPU profile:\n%s", out)
	}
}

// TestGoToolPprofFetches lets the pprof tool fetch a profile itself.
func TestGoToolPprofFetches(t *testing.T) {
	t.Parallel()
	s := start(t, pprofserver.Config{})
	out := goToolPprof(t, "-top", "http://"+s.Addr()+"/debug/pprof/heap")
	if !strings.Contains(out, "Type: inuse_space") {
		t.Errorf("go tool pprof -top does not show a heap profile:\n%s", out)
	}
}

// goToolPprof runs go tool pprof (see testenv.GoCommand when go is not on
// PATH).
func goToolPprof(t *testing.T, args ...string) string {
	t.Helper()
	goCmd := testenv.GoCommand(t)
	ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCmd, append([]string{"tool", "pprof"}, args...)...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "PPROF_TMPDIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// profileFields is what parseProfile read from a profile's outer message.
type profileFields struct {
	counts  map[uint64]int    // occurrences of each field number
	varints map[uint64]uint64 // the last value of each varint field
	strings []string          // field 6, the string table
}

func (p profileFields) hasString(s string) bool {
	for _, x := range p.strings {
		if x == s {
			return true
		}
	}
	return false
}

// parseProfile checks that b is gzip and holds a protobuf message made of
// well-formed fields with profile.proto's numbers (1 to 20; runtime/pprof
// does not write them in order), and returns them.
func parseProfile(t *testing.T, b []byte) profileFields {
	t.Helper()
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("not gzip: starts with % x", b[:min(len(b), 8)])
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip: %v", err)
	}
	pb, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	if len(pb) == 0 {
		t.Fatal("the profile is empty")
	}
	p := profileFields{counts: map[uint64]int{}, varints: map[uint64]uint64{}}
	for len(pb) > 0 {
		key, n := binary.Uvarint(pb)
		if n <= 0 {
			t.Fatalf("bad field key at %d bytes from the end", len(pb))
		}
		pb = pb[n:]
		field, wire := key>>3, key&7
		if field == 0 || field > 20 {
			t.Fatalf("field number %d is not in profile.proto", field)
		}
		p.counts[field]++
		switch wire {
		case 0:
			v, n := binary.Uvarint(pb)
			if n <= 0 {
				t.Fatalf("field %d: bad varint", field)
			}
			p.varints[field] = v
			pb = pb[n:]
		case 2:
			l, n := binary.Uvarint(pb)
			if n <= 0 || l > uint64(len(pb)-n) {
				t.Fatalf("field %d: bad length", field)
			}
			if field == 6 {
				p.strings = append(p.strings, string(pb[n:n+int(l)]))
			}
			pb = pb[n+int(l):]
		case 1:
			if len(pb) < 8 {
				t.Fatalf("field %d: truncated fixed64", field)
			}
			pb = pb[8:]
		case 5:
			if len(pb) < 4 {
				t.Fatalf("field %d: truncated fixed32", field)
			}
			pb = pb[4:]
		default:
			t.Fatalf("field %d: wire type %d", field, wire)
		}
	}
	return p
}

func TestNamedProfilesAsText(t *testing.T) {
	t.Parallel()
	for target, prefix := range map[string]string{
		"/debug/pprof/heap?debug=1":      "heap profile: ",
		"/debug/pprof/allocs?debug=1":    "heap profile: ",
		"/debug/pprof/goroutine?debug=1": "goroutine profile: total ",
		"/debug/pprof/goroutine?debug=2": "goroutine ",
	} {
		rec := serve(pprofserver.Config{}, "GET", target, nil)
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), prefix) {
			t.Errorf("GET %s: status %d, body %.100q, want it to start with %q", target, rec.Code, rec.Body, prefix)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", target, ct)
		}
	}
}

func TestNamedProfileBinary(t *testing.T) {
	t.Parallel()
	rec := serve(pprofserver.Config{}, "GET", "/debug/pprof/goroutine", nil)
	p := parseProfile(t, rec.Body.Bytes())
	if !p.hasString("goroutine") {
		t.Errorf("the goroutine profile's string table lacks \"goroutine\": %q", p.strings)
	}
}

func TestHeapGC(t *testing.T) {
	t.Parallel()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if rec := serve(pprofserver.Config{}, "GET", "/debug/pprof/heap?gc=1", nil); rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	runtime.ReadMemStats(&after)
	if after.NumForcedGC <= before.NumForcedGC {
		t.Errorf("gc=1 forced no collection: NumForcedGC %d before, %d after", before.NumForcedGC, after.NumForcedGC)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	for target, status := range map[string]int{
		"/debug/pprof/nosuch":               http.StatusNotFound,
		"/debug/pprof/heap/extra":           http.StatusNotFound,
		"/debug/pprof/profile?seconds=301":  http.StatusBadRequest,
		"/debug/pprof/profile?seconds=0":    http.StatusBadRequest,
		"/debug/pprof/profile?seconds=-1":   http.StatusBadRequest,
		"/debug/pprof/profile?seconds=NaN":  http.StatusBadRequest,
		"/debug/pprof/profile?seconds=x":    http.StatusBadRequest,
		"/debug/pprof/trace?seconds=1000":   http.StatusBadRequest,
		"/debug/pprof/trace?seconds=Inf":    http.StatusBadRequest,
		"/debug/pprof/heap?debug=x":         http.StatusBadRequest,
		"/debug/pprof/heap?debug=-1":        http.StatusBadRequest,
		"/debug/pprof/heap?gc=yes":          http.StatusBadRequest,
		"/debug/pprof/heap?seconds=5":       http.StatusBadRequest, // delta profiles
		"/debug/pprof/goroutine?seconds=5":  http.StatusBadRequest,
		"/debug/nosuch":                     http.StatusNotFound,
		"/healthz":                          http.StatusNotFound, // no Config.Health
		"/debug/pprof/profile?seconds=1e10": http.StatusBadRequest,
	} {
		rec := serve(pprofserver.Config{}, "GET", target, nil)
		if rec.Code != status {
			t.Errorf("GET %s: status %d, want %d; body %q", target, rec.Code, status, rec.Body)
		}
		if strings.HasPrefix(target, "/debug/pprof/") && rec.Header().Get("X-Go-Pprof") != "1" {
			t.Errorf("GET %s: no X-Go-Pprof header, so the pprof tool would not show the error", target)
		}
		if rec.Header().Get("Content-Disposition") != "" {
			t.Errorf("GET %s: an error with Content-Disposition %q", target, rec.Header().Get("Content-Disposition"))
		}
	}
	for _, target := range []string{"/debug/pprof/heap", "/debug/pprof/profile", "/debug/vars", "/debug/metrics"} {
		if rec := serve(pprofserver.Config{}, "POST", target, nil); rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST %s: status %d, want 405", target, rec.Code)
		}
	}
}

func TestCmdline(t *testing.T) {
	t.Parallel()
	rec := serve(pprofserver.Config{}, "GET", "/debug/pprof/cmdline", nil)
	if got, want := rec.Body.String(), strings.Join(os.Args, "\x00"); got != want {
		t.Errorf("cmdline is %q, want %q", got, want)
	}
}

//go:noinline
func knownFunction() int { return 42 }

func TestSymbol(t *testing.T) {
	t.Parallel()
	pc1 := reflect.ValueOf(knownFunction).Pointer()
	pc2 := reflect.ValueOf(burnCPU).Pointer()
	line1 := fmt.Sprintf("%#x %s", pc1, runtime.FuncForPC(pc1).Name())
	line2 := fmt.Sprintf("%#x %s", pc2, runtime.FuncForPC(pc2).Name())
	if !strings.HasSuffix(line1, "pprofserver_test.knownFunction") {
		t.Fatalf("FuncForPC gives %q", line1)
	}

	for _, tc := range []struct {
		method, target, body string
		want                 []string
	}{
		{"GET", "/debug/pprof/symbol", "", nil},
		{"GET", fmt.Sprintf("/debug/pprof/symbol?%#x", pc1), "", []string{line1}},
		{"POST", "/debug/pprof/symbol", fmt.Sprintf("%#x+%#x", pc1, pc2), []string{line1, line2}},
		{"POST", "/debug/pprof/symbol", fmt.Sprintf("%#x+0x0+junk+%#x\n", pc1, pc2), []string{line1, line2}},
		{"POST", "/debug/pprof/symbol", "0x1+0x2", nil}, // not in any function
	} {
		var body io.Reader
		if tc.body != "" {
			body = strings.NewReader(tc.body)
		}
		rec := serve(pprofserver.Config{}, tc.method, tc.target, body)
		want := strings.Join(append([]string{"num_symbols: 1"}, tc.want...), "\n") + "\n"
		if rec.Code != http.StatusOK || rec.Body.String() != want {
			t.Errorf("%s %s %q: status %d, body %q, want %q", tc.method, tc.target, tc.body, rec.Code, rec.Body, want)
		}
	}

	big := strings.Repeat("0x1+", 2<<20)
	if rec := serve(pprofserver.Config{}, "POST", "/debug/pprof/symbol", strings.NewReader(big)); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("POST of %d bytes: status %d, want 413", len(big), rec.Code)
	}
}

// TestSymbolOverHTTP posts to a running server, as the pprof tool does.
func TestSymbolOverHTTP(t *testing.T) {
	t.Parallel()
	s := start(t, pprofserver.Config{})
	pc := reflect.ValueOf(knownFunction).Pointer()
	resp, err := newClient(t).Post("http://"+s.Addr()+"/debug/pprof/symbol", "application/octet-stream",
		strings.NewReader(fmt.Sprintf("%#x", pc)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if want := fmt.Sprintf("%#x %s\n", pc, runtime.FuncForPC(pc).Name()); !strings.HasSuffix(string(body), want) {
		t.Errorf("status %d, body %q, want it to end with %q", resp.StatusCode, body, want)
	}
}

// TestCPUProfileOneAtATime: a CPU profile asked for while another runs
// gets 409, whether the other is a request or the program's own.
func TestCPUProfileOneAtATime(t *testing.T) {
	s := start(t, pprofserver.Config{})
	c := newClient(t)
	url := "http://" + s.Addr() + "/debug/pprof/profile?seconds="

	// The headers come as soon as the profile has started.
	first, err := c.Get(url + "3")
	if err != nil {
		t.Fatal(err)
	}
	defer first.Body.Close()
	if first.StatusCode != http.StatusOK {
		t.Fatalf("first profile: status %d", first.StatusCode)
	}
	second := get(t, c, url+"1")
	if second.status != http.StatusConflict || second.header.Get("X-Go-Pprof") != "1" {
		t.Errorf("second profile: status %d, X-Go-Pprof %q, body %q; want 409 with X-Go-Pprof",
			second.status, second.header.Get("X-Go-Pprof"), second.body)
	}
	body, err := io.ReadAll(first.Body)
	if err != nil {
		t.Fatal(err)
	}
	parseProfile(t, body)

	if err := pprof.StartCPUProfile(io.Discard); err != nil {
		t.Fatal(err)
	}
	r := get(t, c, url+"1")
	pprof.StopCPUProfile()
	if r.status != http.StatusConflict {
		t.Errorf("profile while the program profiles: status %d, want 409", r.status)
	}
	if r := get(t, c, url+"0.2"); r.status != http.StatusOK {
		t.Errorf("profile after the others: status %d, body %q", r.status, r.body)
	}
}

func TestTraceOneAtATime(t *testing.T) {
	s := start(t, pprofserver.Config{})
	if err := trace.Start(io.Discard); err != nil {
		t.Fatal(err)
	}
	r := get(t, newClient(t), "http://"+s.Addr()+"/debug/pprof/trace?seconds=0.2")
	trace.Stop()
	if r.status != http.StatusConflict || r.header.Get("Content-Disposition") != "" {
		t.Errorf("trace while the program traces: status %d, Content-Disposition %q; want 409 and none",
			r.status, r.header.Get("Content-Disposition"))
	}
}

// TestTraceFormat checks the start of the trace: go tool trace's header.
func TestTraceFormat(t *testing.T) {
	s := start(t, pprofserver.Config{})
	r := get(t, newClient(t), "http://"+s.Addr()+"/debug/pprof/trace?seconds=0.5")
	if r.status != http.StatusOK || !bytes.HasPrefix(r.body, []byte("go 1.")) {
		t.Errorf("status %d, trace starts with %.16q, want \"go 1.\"", r.status, r.body)
	}
}

// TestShutdownEndsProfile: Shutdown does not wait out a long profile; the
// client gets what was recorded, a valid profile.
func TestShutdownEndsProfile(t *testing.T) {
	s, err := pprofserver.Start(pprofserver.Config{Addr: "127.0.0.1:0", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := newClient(t).Get("http://" + s.Addr() + "/debug/pprof/profile?seconds=120")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()

	begin := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(begin); d > 15*time.Second {
		t.Errorf("Shutdown took %v with a profile in progress", d)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	parseProfile(t, body)
	if err := s.Shutdown(ctx); !errors.Is(err, pprofserver.ErrShutdown) {
		t.Errorf("second Shutdown: %v, want ErrShutdown", err)
	}
}
