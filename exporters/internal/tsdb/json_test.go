package tsdb

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// apiPut is one /api/put data point as OpenTSDB reads it.
type apiPut struct {
	Metric    string            `json:"metric"`
	Timestamp int64             `json:"timestamp"`
	Value     *json.Number      `json:"value"`
	Tags      map[string]string `json:"tags"`
}

func decodeAPIPut(t *testing.T, b []byte) apiPut {
	t.Helper()
	if !json.Valid(b) {
		t.Fatalf("invalid JSON: %s", b)
	}
	var got apiPut
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	d.DisallowUnknownFields()
	if err := d.Decode(&got); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return got
}

func TestAppendJSON(t *testing.T) {
	p := Point{Metric: "query.latency.p99", Time: testTime.Add(1500 * time.Millisecond), Value: 12.5, Tags: []metrics.Tag{
		{Key: "host", Value: "web01"}, {Key: "stage", Value: "plan"}}}
	got := string(AppendJSON([]byte("["), p))
	want := `[{"metric":"query.latency.p99","timestamp":1700000001500,"value":12.5,"tags":{"host":"web01","stage":"plan"}}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestAppendJSONValues(t *testing.T) {
	for _, v := range []float64{0, 42, -7, 0.1, 1.5e-7, 1 << 62, -(1 << 63), 1 << 63, 1e300, math.MaxFloat64, 5e-324, 2.0 / 3} {
		p := Point{Metric: "m", Time: testTime, Value: v, Tags: host}
		got := decodeAPIPut(t, AppendJSON(nil, p))
		if got.Value == nil {
			t.Fatalf("%v: no value", v)
		}
		checkJavaReadsBack(t, got.Value.String(), v)
		if got.Timestamp != testTime.UnixMilli() || got.Metric != "m" || got.Tags["host"] != "web01" {
			t.Fatalf("%v: %+v", v, got)
		}
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		b := AppendJSON(nil, Point{Metric: "m", Time: testTime, Value: v, Tags: host})
		if got := decodeAPIPut(t, b); got.Value != nil {
			t.Fatalf("%v: value %v, want null", v, got.Value)
		}
	}
}

func TestAppendJSONEscapes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{`q"uote`, `"q\"uote"`},
		{`back\slash`, `"back\\slash"`},
		{"line\nbreak\r\ttab", `"line\nbreak\r\ttab"`},
		{"nul\x00bell\x07esc\x1b", `"nul\u0000bell\u0007esc\u001b"`},
		{"del\x7f", "\"del\x7f\""},
		{"größe ключ 名前", `"größe ключ 名前"`},
		{"emoji 😀", `"emoji 😀"`},
		{"js\u2028\u2029", `"js\u2028\u2029"`},
		{"bad\xffutf8\xc3", `"bad\ufffdutf8\ufffd"`},
		{"</script>&", `"</script>&"`},
		{"", `""`},
	}
	for _, tt := range tests {
		if got := string(appendJSONString(nil, tt.in)); got != tt.want {
			t.Errorf("appendJSONString(%q) = %s, want %s", tt.in, got, tt.want)
		}
		var back string
		if err := json.Unmarshal(appendJSONString(nil, tt.in), &back); err != nil || back != validUTF8(tt.in) {
			t.Errorf("%q reads back as %q, %v", tt.in, back, err)
		}
	}
}

func TestAppendJSONRoundTrip(t *testing.T) {
	points, _ := Flatten(nil, mixedSnapshot(300), Options{Naming: NamingGoMetrics})
	var batch []byte
	batch = append(batch, '[')
	for i, p := range points {
		if i > 0 {
			batch = append(batch, ',')
		}
		batch = AppendJSON(batch, p)
	}
	batch = append(batch, ']')
	var got []apiPut
	d := json.NewDecoder(strings.NewReader(string(batch)))
	d.UseNumber()
	if err := d.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(points) {
		t.Fatalf("%d points, want %d", len(got), len(points))
	}
	for i, p := range points {
		g := got[i]
		v, err := strconv.ParseFloat(g.Value.String(), 64)
		if g.Metric != p.Metric || g.Timestamp != p.Time.UnixMilli() || err != nil || v != p.Value || len(g.Tags) != len(p.Tags) {
			t.Fatalf("point %d: %+v, want %+v", i, g, p)
		}
		for _, tag := range p.Tags {
			if g.Tags[tag.Key] != tag.Value {
				t.Fatalf("point %d: tags %v, want %v", i, g.Tags, p.Tags)
			}
		}
	}
}

func TestAppendJSONAllocations(t *testing.T) {
	p := Point{Metric: "query.latency.p99", Time: testTime, Value: 12.5, Tags: mixedSnapshot(1).DefaultTags}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf = AppendJSON(buf[:0], p) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}
