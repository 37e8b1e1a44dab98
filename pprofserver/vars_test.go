package pprofserver_test

import (
	"encoding/json"
	"net/http"
	"os"
	"runtime"
	"slices"
	"testing"

	"github.com/vitals-go/vitals/pprofserver"
)

// TestVars checks that /debug/vars has expvar's default shape: cmdline, and
// memstats decoding into runtime.MemStats.
func TestVars(t *testing.T) {
	t.Parallel()
	rec := serve(pprofserver.Config{}, "GET", "/debug/vars", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &keys); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, rec.Body)
	}
	if len(keys) != 2 || keys["cmdline"] == nil || keys["memstats"] == nil {
		t.Errorf("keys %v, want cmdline and memstats", keys)
	}
	var v struct {
		Cmdline  []string
		Memstats runtime.MemStats
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(v.Cmdline, os.Args) {
		t.Errorf("cmdline %q, want %q", v.Cmdline, os.Args)
	}
	if v.Memstats.Sys == 0 || v.Memstats.HeapAlloc == 0 || len(v.Memstats.BySize) == 0 {
		t.Errorf("memstats look empty: Sys %d, HeapAlloc %d", v.Memstats.Sys, v.Memstats.HeapAlloc)
	}
	var memstats map[string]json.RawMessage
	if err := json.Unmarshal(keys["memstats"], &memstats); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Alloc", "TotalAlloc", "NumGC", "PauseNs", "BySize", "GCCPUFraction"} {
		if memstats[k] == nil {
			t.Errorf("memstats has no %s, which expvar's has", k)
		}
	}
}
