package opentsdb

import (
	"bytes"
	"encoding/json"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vitals-go/vitals/exporters/internal/tsdb"
	"github.com/vitals-go/vitals/metrics"
)

// FuzzHTTPBody sends snapshots with hostile names and tags through what the
// HTTP exporter does before the network (Flatten, then encode into batches)
// and checks the request bodies: each is valid UTF-8 and a JSON array that
// encoding/json reads strictly, of at most BatchSize points and
// MaxRequestBytes bytes; together they hold every valid point once, in
// order; and each point reads back as exactly the sanitized name, tags and
// value.
func FuzzHTTPBody(f *testing.F) {
	f.Add("query.latency", "stage", "plan", "queue", "q1", "web01", 12.5, uint8(3), uint8(49), uint16(6144))
	f.Add("m", "k", "x\nput evil 1 1 a=b", "k2", `"},{"metric":"evil"`, "web 01", 1.0, uint8(7), uint8(2), uint16(0))
	f.Add(`q"uote\`, "k\x00", "\\\"", "\u2028", "\u2029", "</script>", -0.5, uint8(5), uint8(0), uint16(1))
	f.Add("größe", "ключ", "名前 😀", "\xff\xfe", "\xe2\x82", "\uFFFD", 1e300, uint8(2), uint8(1), uint16(100))
	f.Add("host", "host", "own", "", "", "default", 0.0, uint8(0), uint8(7), uint16(0))
	// Lines of about 950 bytes, close to tsdb.MaxLineLen, and far over it.
	e := func(n int) string { return strings.Repeat("é", n) }
	f.Add(e(100), e(60), e(200), "k", "v", e(100), 3.25, uint8(7), uint8(63), uint16(0))
	f.Add(e(200), e(200), e(200), e(201), e(200), e(200), 3.25, uint8(7), uint8(63), uint16(0))
	f.Add(strings.Repeat("a", 300), "k", strings.Repeat("v", 300), "k2", strings.Repeat("ß", 150), "h", 7.0, uint8(6), uint8(9), uint16(0))

	s, err := Config{URL: "http://tsd.invalid:4242"}.settings()
	if err != nil {
		f.Fatal(err)
	}
	h := newHTTPSender(s)
	f.Cleanup(h.close)
	f.Fuzz(func(t *testing.T, name, k1, v1, k2, v2, host string, value float64, series, batch uint8, extra uint16) {
		s, err := Config{URL: "http://tsd.invalid:4242", BatchSize: int(batch%64) + 1,
			MaxRequestBytes: minRequestBytes + int(extra%4096)}.settings()
		if err != nil {
			t.Fatal(err)
		}
		h.cfg = s
		snap, wantTags := hostileSnapshot(name, k1, v1, k2, v2, host, value, int(series%8)+1)
		points, invalid := tsdb.Flatten(nil, snap, s.flatten)
		if n := tsdb.Count(snap, s.flatten); n != len(points)+invalid {
			t.Fatalf("Count %d, Flatten %d + %d", n, len(points), invalid)
		}
		h.encode(points)

		i := 0
		for _, b := range h.batches {
			body := h.buf[b.start:b.end]
			if !utf8.Valid(body) {
				t.Fatalf("body is not valid UTF-8: %q", body)
			}
			if b.n < 1 || b.n > s.batchSize || len(body) > s.maxRequestBytes {
				t.Fatalf("batch of %d points, %d bytes; BatchSize %d, MaxRequestBytes %d",
					b.n, len(body), s.batchSize, s.maxRequestBytes)
			}
			var got []putPoint
			d := json.NewDecoder(bytes.NewReader(body))
			d.DisallowUnknownFields()
			if err := d.Decode(&got); err != nil || d.More() {
				t.Fatalf("body %q: %v", body, err)
			}
			if len(got) != b.n {
				t.Fatalf("batch holds %d points, says %d", len(got), b.n)
			}
			for _, g := range got {
				if i >= len(points) {
					t.Fatalf("more points in the bodies than the %d flattened", len(points))
				}
				checkPutPoint(t, g, points[i], wantTags)
				i++
			}
		}
		if i != len(points) {
			t.Fatalf("%d points in the bodies, want %d", i, len(points))
		}
	})
}

// hostileSnapshot returns n series named name0, name1, ... of alternating
// kinds whose own tags are {k1: v1} for even ones and {k1: v1, k2: v2} for
// odd ones, under the default tag host. wantTags are the two tag sets, as
// sanitized and merged, that the points of those series must carry.
func hostileSnapshot(name, k1, v1, k2, v2, host string, value float64, n int) (metrics.Snapshot, [2]map[string]string) {
	one := []metrics.Tag{{Key: k1, Value: v1}}
	two := []metrics.Tag{{Key: k1, Value: v1}, {Key: k2, Value: v2}}
	switch {
	case k1 == k2:
		two = two[1:]
	case k2 < k1:
		two[0], two[1] = two[1], two[0]
	}
	snap := metrics.Snapshot{
		Time:        time.Unix(1700000000, 0),
		DefaultTags: []metrics.Tag{{Key: "host", Value: host}},
	}
	kinds := []metrics.Kind{metrics.KindGaugeFloat64, metrics.KindCounter, metrics.KindTimer, metrics.KindMeter}
	for i := range n {
		s := metrics.Series{Name: name + strconv.Itoa(i), Kind: kinds[i%len(kinds)], Tags: one,
			Value: value, Count: int64(i), Rates: metrics.Rates{Rate1: value, Mean: 1}}
		if i%2 == 1 {
			s.Tags = two
		}
		if s.Kind == metrics.KindTimer {
			s.Unit = "ns"
			s.Summary = metrics.Summary{Count: 2, Sum: 3e6, Min: 1e6, Max: 2e6, Mean: 1.5e6, P50: 1e6, P99: 2e6}
		}
		snap.Series = append(snap.Series, s)
	}
	var want [2]map[string]string
	for j, own := range [][]metrics.Tag{one, two} {
		want[j] = map[string]string{"host": tsdb.Sanitize(host)}
		for _, t := range own {
			want[j][tsdb.Sanitize(t.Key)] = tsdb.Sanitize(t.Value) // a series' own tag wins
		}
	}
	return snap, want
}

// checkPutPoint checks that a point read back from a request body is p, and
// that p is sanitized and carries one of the expected tag sets.
func checkPutPoint(t *testing.T, got putPoint, p tsdb.Point, wantTags [2]map[string]string) {
	t.Helper()
	if got.Metric != p.Metric || got.Metric == "" || tsdb.Sanitize(got.Metric) != got.Metric {
		t.Fatalf("metric %q, want %q, sanitized", got.Metric, p.Metric)
	}
	if got.Timestamp != p.Time.UnixMilli() {
		t.Fatalf("%s: timestamp %d, want %d", p.Metric, got.Timestamp, p.Time.UnixMilli())
	}
	if v, err := strconv.ParseFloat(string(got.Value), 64); err != nil || v != p.Value {
		t.Fatalf("%s: value %s, want %v", p.Metric, got.Value, p.Value)
	}
	tags := map[string]string{}
	for _, tag := range p.Tags {
		tags[tag.Key] = tag.Value
	}
	if !maps.Equal(got.Tags, tags) || !(maps.Equal(tags, wantTags[0]) || maps.Equal(tags, wantTags[1])) {
		t.Fatalf("%s: tags %q (point %q), want %q or %q", p.Metric, got.Tags, tags, wantTags[0], wantTags[1])
	}
}
