package tsdb

import (
	"maps"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vitals-go/vitals/metrics"
)

// FuzzAppendTelnet checks that no metric, tag or value can make AppendTelnet
// write anything but one put line with the fields of its point.
func FuzzAppendTelnet(f *testing.F) {
	f.Add("sys.cpu", "host", "web01", "stage", "plan", 42.0, int64(1700000000))
	f.Add("m", "k", "x\nput evil 1 1 a=b", "k2", "v", 0.1, int64(1))
	f.Add("m\r\nput evil 1 1 a=b", "a=b", "c=d e=f", "", "", math.NaN(), int64(-1))
	f.Add("", "", "", "=", "==", math.Inf(-1), int64(0))
	f.Add("größe 𝐀", "ключ\t", "\xff\xfe", "名前", "\u2028", 1e300, int64(math.MaxInt64))
	f.Add("a b c", " ", "  ", "\n", "\r", -0.0, int64(math.MinInt64))
	f.Add("m\x00", "k\x1b[2J", "v\x7f\u0085", "\u2028k", "x\r\nput evil 1 1 a=b", 1.5, int64(1700000000))
	f.Fuzz(func(t *testing.T, metric, k1, v1, k2, v2 string, value float64, secs int64) {
		tags := []metrics.Tag{{Key: k1, Value: v1}, {Key: k2, Value: v2}}
		p := Point{Metric: metric, Time: time.Unix(secs, 0), Value: value, Tags: tags}
		line := string(AppendTelnet(nil, p))
		body, ok := strings.CutSuffix(line, "\n")
		if !ok || strings.ContainsAny(body, "\n\r") {
			t.Fatalf("not exactly one line: %q", line)
		}
		if !strings.HasPrefix(body, "put ") {
			t.Fatalf("no put: %q", line)
		}
		if !utf8.ValidString(body) || strings.ContainsFunc(body, unicode.IsControl) {
			t.Fatalf("invalid UTF-8 or a control character: %q", line)
		}
		fields := strings.Split(body, " ")
		if len(fields) != 4+len(tags) {
			t.Fatalf("%d fields, want %d: %q", len(fields), 4+len(tags), line)
		}
		if fields[1] != Sanitize(metric) {
			t.Fatalf("metric %q, want %q", fields[1], Sanitize(metric))
		}
		if fields[2] != strconv.FormatInt(p.Time.Unix(), 10) {
			t.Fatalf("timestamp %q", fields[2])
		}
		if !math.IsNaN(value) && !math.IsInf(value, 0) {
			checkJavaReadsBack(t, fields[3], value)
		}
		for i, tag := range tags {
			k, v, ok := strings.Cut(fields[4+i], "=")
			if !ok || strings.Contains(v, "=") {
				t.Fatalf("tag %q is not k=v: %q", fields[4+i], line)
			}
			if k != Sanitize(tag.Key) || v != Sanitize(tag.Value) {
				t.Fatalf("tag %s=%s, want %s=%s", k, v, Sanitize(tag.Key), Sanitize(tag.Value))
			}
		}
	})
}

// FuzzAppendJSON checks that AppendJSON always writes valid JSON that reads
// back to its point.
func FuzzAppendJSON(f *testing.F) {
	f.Add("sys.cpu", "host", "web01", "stage", "plan", 42.0, int64(1700000000123))
	f.Add(`q"uote\`, "k\x00", "x\nput evil", "k2", "</script>", 0.1, int64(1))
	f.Add("\xff\xfe\xc3", "\u2028", "\u2029", "😀", "ключ", math.NaN(), int64(-1))
	f.Add("", "", "", "", "", math.Inf(1), int64(0))
	f.Add("a", "same", "1", "same", "2", -2.2250738585072014e-308, int64(math.MaxInt64/1_000_000))
	f.Fuzz(func(t *testing.T, metric, k1, v1, k2, v2 string, value float64, ms int64) {
		tags := []metrics.Tag{{Key: k1, Value: v1}, {Key: k2, Value: v2}}
		p := Point{Metric: metric, Time: time.UnixMilli(ms), Value: value, Tags: tags}
		b := AppendJSON(nil, p)
		// encoding/json takes invalid UTF-8 and reads it as U+FFFD; OpenTSDB's
		// Jackson refuses the request.
		if !utf8.Valid(b) || strings.ContainsAny(string(b), "\u2028\u2029") {
			t.Fatalf("invalid UTF-8 or an unescaped line separator: %q", b)
		}
		got := decodeAPIPut(t, b)
		if got.Metric != validUTF8(metric) {
			t.Fatalf("metric %q, want %q", got.Metric, validUTF8(metric))
		}
		if got.Timestamp != p.Time.UnixMilli() {
			t.Fatalf("timestamp %d, want %d", got.Timestamp, p.Time.UnixMilli())
		}
		if math.IsNaN(value) || math.IsInf(value, 0) {
			if got.Value != nil {
				t.Fatalf("value %v, want null", got.Value)
			}
		} else if got.Value == nil {
			t.Fatalf("no value for %v", value)
		} else {
			checkJavaReadsBack(t, got.Value.String(), value)
		}
		want := map[string]string{validUTF8(k1): validUTF8(v1)}
		want[validUTF8(k2)] = validUTF8(v2) // a repeated key: the last wins
		if !maps.Equal(got.Tags, want) {
			t.Fatalf("tags %q, want %q", got.Tags, want)
		}

		// What the HTTP exporter sends, sanitized by Flatten, reads back
		// exactly.
		p.Metric = Sanitize(metric)
		p.Tags = []metrics.Tag{{Key: Sanitize(k1), Value: Sanitize(v1)}, {Key: Sanitize(k2), Value: Sanitize(v2)}}
		got = decodeAPIPut(t, AppendJSON(nil, p))
		want = map[string]string{p.Tags[0].Key: p.Tags[0].Value}
		want[p.Tags[1].Key] = p.Tags[1].Value
		if got.Metric != p.Metric || !maps.Equal(got.Tags, want) {
			t.Fatalf("sanitized point read back as %q %q, want %q %q", got.Metric, got.Tags, p.Metric, want)
		}
	})
}

// FuzzSanitize checks that Sanitize's output only has OpenTSDB's characters,
// is a fixed point, and changes nothing but refused characters.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"", "sys.cpu.user", "web 01", "k=v", "x\nput evil 1 1 a=b",
		"größe", "ключ", "名前", "𝐀bc", "😀", "½°€", "\xff\xfeok", "\xe2\x82", "\uFFFD", "x\u00a0y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkSanitized(t, s) })
}

// FuzzFlatten checks Flatten's promises on snapshots with fuzzed names, tags
// and values.
func FuzzFlatten(f *testing.F) {
	f.Add("jobs.done", "host", "web01", "stage", "plan", 1.5, uint8(6), uint8(0))
	f.Add("a b", "k", "x\nput evil", "k", "v", math.NaN(), uint8(5), uint8(3))
	f.Add("", "", "", "a_b", "a b", math.Inf(1), uint8(0), uint8(9))
	f.Fuzz(func(t *testing.T, name, k1, v1, k2, v2 string, value float64, kind, maxTags uint8) {
		s := metrics.Series{Name: name, Kind: metrics.Kind(kind % 8), Tags: []metrics.Tag{{Key: k2, Value: v2}},
			Count: int64(value), Value: value, Rates: metrics.Rates{Rate1: value, Mean: 1},
			Summary: metrics.Summary{Count: int64(kind % 2), Max: 9, Mean: value, P99: value / 3}}
		snap := metrics.Snapshot{Time: testTime, DefaultTags: []metrics.Tag{{Key: k1, Value: v1}}, Series: []metrics.Series{s, s}}
		opts := Options{MaxTags: int(maxTags % 4), Naming: Naming(kind % 3)}
		points, invalid := Flatten(nil, snap, opts)
		if n := Count(snap, opts); n != len(points)+invalid {
			t.Fatalf("Count %d, Flatten %d + %d", n, len(points), invalid)
		}
		for _, p := range points {
			checkValid(t, p, opts.normalized().MaxTags)
		}
	})
}
