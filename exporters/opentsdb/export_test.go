package opentsdb

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/console"
	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/metrics"
)

// TestExportEveryKind sends a series of every kind over each protocol to
// VictoriaMetrics and reads every point back.
func TestExportEveryKind(t *testing.T) {
	vm := testenv.VictoriaMetrics(t)
	cases := []struct {
		name   string
		telnet bool
		cfg    Config
	}{
		{name: "http", cfg: Config{URL: vm.OpenTSDBHTTPURL}},
		{name: "http_gzip", cfg: Config{URL: vm.OpenTSDBHTTPURL, Gzip: true, BatchSize: 7}},
		{name: "http_gometrics", cfg: Config{URL: vm.OpenTSDBHTTPURL + "/", GoMetricsNames: true, DurationUnit: 1e3}},
		{name: "telnet", telnet: true, cfg: Config{URL: "tcp://" + vm.OpenTSDBTelnetAddr}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.cfg.Prefix = uniquePrefix(t)
			snap, invalid := withInvalid(everyKind(t))
			e := newExporter(t, tc.cfg)

			err := e.Export(context.Background(), snap)
			var rej *exporters.RejectedError
			if !errors.As(err, &rej) || rej.Points != invalid {
				t.Fatalf("Export = %v, want %d points rejected (the NaN and the 9 tags)", err, invalid)
			}
			// The reason is typed, and the console's is the same.
			if !errors.Is(err, ErrInvalidPoint) || !errors.Is(err, console.ErrInvalidPoint) {
				t.Errorf("Export = %v, want it to wrap ErrInvalidPoint", err)
			}
			want := wantSeries(t, snap, tc.cfg, tc.telnet)
			if got := e.Points(snap); got != len(want)+invalid {
				t.Errorf("Points = %d, want %d valid + %d invalid", got, len(want), invalid)
			}
			checkStored(t, vm, tc.cfg.Prefix, want)

			// A few names, tags and values spelled out, independently of
			// tsdb: sanitized tags, default tags, the duration unit.
			p := tc.cfg.Prefix + "."
			tags := func(kv ...string) map[string]string {
				m := map[string]string{"host": "web01.example.com", "service": "alerts"}
				for i := 0; i < len(kv); i += 2 {
					m[kv[i]] = kv[i+1]
				}
				return m
			}
			p999, maxMillis := "p999", 250.0
			if tc.cfg.GoMetricsNames {
				p999, maxMillis = "999-percentile", 250000 // in µs
			}
			spot := []struct {
				metric string
				tags   map[string]string
				value  float64
			}{
				{p + "requests.count", tags("code", "2xx", "path", "/api/v1_users"), 1234567},
				{p + "requests.untagged.count", tags(), 42},
				{p + "queue.depth.value", tags("queue", "name__quoted__x"), -17},
				{p + "cpu.load.value", tags("core", "0"), 0.1 + 0.2},
				{p + "goroutines.value", tags(), 99},
				{p + "temperature.value", tags("unit", "_C"), -3.25e-7},
				{p + "payload.empty.count", tags(), 0},
				{p + "payload.bytes.count", tags("dir", "in"), 7},
				{p + "payload.bytes." + p999, tags("dir", "in"), want[seriesKey(p+"payload.bytes."+p999, tags("dir", "in"))].value},
				{p + "query.latency.max", tags("db", "ünïcödé", "stage", "plan"), maxMillis},
			}
			for _, sp := range spot {
				key := seriesKey(sp.metric, sp.tags)
				w, ok := want[key]
				if !ok {
					t.Errorf("no point %s; points: %s", key, strings.Join(keys(want), ", "))
					continue
				}
				if w.value != sp.value {
					t.Errorf("point %s = %v, want %v", key, w.value, sp.value)
				}
			}
			checkNoBadRows(t, vm)
		})
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestExportEmpty sends nothing for an empty snapshot and connects nowhere.
func TestExportEmpty(t *testing.T) {
	for _, url := range []string{"http://127.0.0.1:1", "tcp://127.0.0.1:1"} {
		e := newExporter(t, Config{URL: url})
		if err := e.Export(context.Background(), metrics.Snapshot{}); err != nil {
			t.Errorf("%s: Export(empty) = %v", url, err)
		}
	}
}

// TestExportURLForms: a URL that names the /api/put endpoint, or a path
// prefix in front of it (a reverse proxy), delivers every point.
func TestExportURLForms(t *testing.T) {
	vm := testenv.VictoriaMetrics(t)
	target, err := url.Parse(vm.OpenTSDBHTTPURL)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.StripPrefix("/otsdb", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/put" {
			t.Errorf("request to %s through the proxy", r.URL)
			http.NotFound(w, r)
			return
		}
		forward.ServeHTTP(w, r)
	})))
	defer proxy.Close()

	for _, u := range []string{
		vm.OpenTSDBHTTPURL + "/api/put",
		vm.OpenTSDBHTTPURL + "/api/put/",
		vm.OpenTSDBHTTPURL + "/api/put?details",
		proxy.URL + "/otsdb",
		proxy.URL + "/otsdb/",
		proxy.URL + "/otsdb/api/put",
	} {
		t.Run(strings.ReplaceAll(u, "/", "_"), func(t *testing.T) {
			cfg := Config{URL: u, Prefix: uniquePrefix(t), BatchSize: 20}
			snap := everyKind(t)
			e := newExporter(t, cfg)
			if err := e.Export(context.Background(), snap); err != nil {
				t.Fatalf("Export = %v", err)
			}
			checkStored(t, vm, cfg.Prefix, wantSeries(t, snap, cfg, false))
		})
	}
	checkNoBadRows(t, vm)
}
