package opentsdb

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/internal/tsdb"
	"github.com/vitals-go/vitals/internal/testenv"
)

func TestNewRefusesBadConfig(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string // in the error
	}{
		{Config{}, "URL is empty"}, // the URL's problems: see TestURLErrors
		{Config{URL: "tsd:4242"}, "no scheme"},
		{Config{URL: "http://tsd:4242", BatchSize: -1}, "BatchSize"},
		{Config{URL: "http://tsd:4242", MaxRequestBytes: 100}, "MaxRequestBytes"},
		{Config{URL: "http://tsd:4242", Parallelism: -2}, "Parallelism"},
		{Config{URL: "http://tsd:4242", Timeout: -time.Second}, "Timeout"},
		{Config{URL: "http://tsd:4242", MaxTags: -1}, "MaxTags"},
		{Config{URL: "http://tsd:4242", DurationUnit: -1}, "DurationUnit"},
		{Config{URL: "ftp://x", BatchSize: -1}, "BatchSize"}, // every problem is listed
	}
	for _, tc := range cases {
		e, err := New(tc.cfg)
		if err == nil || e != nil {
			t.Errorf("New(%+v) = %v, %v; want an error", tc.cfg, e, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "opentsdb: invalid Config: ") {
			t.Errorf("New(%+v) = %q; want it to mention %q", tc.cfg, err, tc.want)
		}
	}
}

func TestNewDefaults(t *testing.T) {
	cases := []struct {
		url          string
		proto        protocol
		putURL, addr string
	}{
		{"http://127.0.0.1:4242", protoHTTP, "http://127.0.0.1:4242/api/put?details", ""},
		{"https://tsd.example.com:4242/opentsdb/", protoHTTP, "https://tsd.example.com:4242/opentsdb/api/put?details", ""},
		{"tcp://[::1]:4242", protoTelnet, "", "[::1]:4242"},
		{"tcp://tsd:4242/", protoTelnet, "", "tsd:4242"},
		{" tcp://tsd:4242\n", protoTelnet, "", "tsd:4242"}, // as read from a file
		// A URL that names the endpoint: the base before it.
		{"http://tsd:4242/api/put", protoHTTP, "http://tsd:4242/api/put?details", ""},
		{"http://tsd:4242/api/put/", protoHTTP, "http://tsd:4242/api/put?details", ""},
		{"http://tsd:4242/api/put?details", protoHTTP, "http://tsd:4242/api/put?details", ""},
		{"https://tsd:4242/api/put?summary", protoHTTP, "https://tsd:4242/api/put?details", ""},
		{"http://tsd:4242/api/put?details&summary", protoHTTP, "http://tsd:4242/api/put?details", ""},
		{"http://tsd:4242/opentsdb/api/put?details", protoHTTP, "http://tsd:4242/opentsdb/api/put?details", ""},
		// Any other path is a prefix.
		{"http://tsd:4242/api", protoHTTP, "http://tsd:4242/api/api/put?details", ""},
		{"http://tsd:4242/api/put/x", protoHTTP, "http://tsd:4242/api/put/x/api/put?details", ""},
		{"HTTP://TSD:4242", protoHTTP, "http://TSD:4242/api/put?details", ""},
	}
	for _, tc := range cases {
		s, err := Config{URL: tc.url}.settings()
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		if s.proto != tc.proto || s.putURL != tc.putURL || s.addr != tc.addr {
			t.Errorf("%s: proto %d, putURL %q, addr %q; want %d, %q, %q", tc.url, s.proto, s.putURL, s.addr, tc.proto, tc.putURL, tc.addr)
		}
		if s.batchSize != 50 || s.maxRequestBytes != 8192 || s.parallelism != 4 || s.timeout != 10*time.Second ||
			s.flatten.MaxTags != 8 || s.flatten.DurationUnit != time.Millisecond || s.flatten.Naming != tsdb.NamingVitals || s.logger == nil {
			t.Errorf("%s: defaults %+v", tc.url, s)
		}
	}
	s, _ := Config{URL: "http://h:1", GoMetricsNames: true, Prefix: "app"}.settings()
	if s.flatten.Naming != tsdb.NamingGoMetrics || s.flatten.Prefix != "app" {
		t.Errorf("naming options: %+v", s.flatten)
	}
}

// TestEncodeBatches: every batch is a JSON array of at most BatchSize
// points and MaxRequestBytes bytes, and together they hold every point once,
// in order.
func TestEncodeBatches(t *testing.T) {
	snap := manyGauges(3000)
	snap.Series = append(snap.Series, everyKind(t).Series...)
	for _, c := range []struct{ batch, bytes int }{{50, 8192}, {1, 8192}, {7, 2048}, {100000, 2048}, {100000, 1 << 20}} {
		s, err := Config{URL: "http://h:1", BatchSize: c.batch, MaxRequestBytes: c.bytes}.settings()
		if err != nil {
			t.Fatal(err)
		}
		points, _ := tsdb.Flatten(nil, snap, s.flatten)
		h := newHTTPSender(s)
		h.encode(points)
		i := 0
		for _, b := range h.batches {
			body := h.buf[b.start:b.end]
			var objs []json.RawMessage
			if err := json.Unmarshal(body, &objs); err != nil {
				t.Fatalf("batch %d/%d: %v", c.batch, c.bytes, err)
			}
			if len(objs) != b.n || b.n > c.batch || b.n == 0 || (len(body) > c.bytes && b.n > 1) {
				t.Errorf("batch %d/%d: %d points (n=%d), %d bytes", c.batch, c.bytes, len(objs), b.n, len(body))
			}
			for _, o := range objs {
				if want := tsdb.AppendJSON(nil, points[i]); string(o) != string(want) {
					t.Fatalf("point %d: %s, want %s", i, o, want)
				}
				i++
			}
		}
		if i != len(points) {
			t.Errorf("batch %d/%d: %d points in batches, want %d", c.batch, c.bytes, i, len(points))
		}
		if c.batch == 50 && c.bytes == 8192 {
			t.Logf("defaults: %d points in %d requests", len(points), len(h.batches))
		}
	}
}

func TestPointsCountsEveryField(t *testing.T) {
	e := newExporter(t, Config{URL: "http://h:1"})
	snap, invalid := withInvalid(everyKind(t))
	want := wantSeries(t, snap, Config{URL: "http://h:1"}, false)
	if got := e.Points(snap); got != len(want)+invalid {
		t.Errorf("Points = %d, want %d", got, len(want)+invalid)
	}
}

// TestShutdown: Shutdown is final, a second one and any Export after it
// return ErrShutdown, and no goroutine outlives it.
func TestShutdown(t *testing.T) {
	vm := testenv.VictoriaMetrics(t)
	snap := everyKind(t)
	for _, url := range []string{vm.OpenTSDBHTTPURL, "tcp://" + vm.OpenTSDBTelnetAddr} {
		before := runtime.NumGoroutine()
		e, err := New(Config{URL: url, Prefix: uniquePrefix(t), Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Export(context.Background(), snap); err != nil {
			t.Fatalf("%s: Export = %v", url, err)
		}
		if err := e.Shutdown(context.Background()); err != nil {
			t.Fatalf("%s: Shutdown = %v", url, err)
		}
		if err := e.Shutdown(context.Background()); !errors.Is(err, exporters.ErrShutdown) {
			t.Errorf("%s: second Shutdown = %v, want ErrShutdown", url, err)
		}
		if err := e.Export(context.Background(), snap); !errors.Is(err, exporters.ErrShutdown) {
			t.Errorf("%s: Export after Shutdown = %v, want ErrShutdown", url, err)
		}
		waitGoroutines(t, before)
	}
}
