package tsdb

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/vitals-go/vitals/metrics"
)

func TestAppendTelnet(t *testing.T) {
	p := Point{Metric: "query.latency.p99", Time: testTime, Value: 12.5, Tags: []metrics.Tag{
		{Key: "host", Value: "web01"}, {Key: "stage", Value: "plan"}}}
	got := string(AppendTelnet([]byte("x"), p))
	if want := "xput query.latency.p99 1700000000 12.5 host=web01 stage=plan\n"; got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	// Injection attempts come out as one line with the same fields.
	p.Metric = "m\nput evil 1 1 a=b"
	p.Tags = []metrics.Tag{{Key: "a=b c", Value: "x\r\nput evil 1 1 a=b"}}
	got = string(AppendTelnet(nil, p))
	if want := "put m_put_evil_1_1_a_b 1700000000 12.5 a_b_c=x__put_evil_1_1_a_b\n"; got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

// javaLooksLikeInteger and javaParseLong are OpenTSDB's Tags.looksLikeInteger
// and Tags.parseLong rules: a value with no '.', 'e' or 'E' must be a long
// of at most 19 digits (20 with a sign).
func javaLooksLikeInteger(s string) bool { return !strings.ContainsAny(s, ".eE") }

func javaParseLong(s string) (int64, bool) {
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) > 1 || len(digits) == 0 || len(s) > 20 || len(s) == 20 && len(digits) == 20 {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

func TestAppendValue(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "0"},
		{42, "42"},
		{-7, "-7"},
		{1e15, "1000000000000000"},
		{1 << 53, "9007199254740992"},
		{1<<53 + 2, "9007199254740994"},
		{1 << 62, "4611686018427387904"},
		{-(1 << 63), "-9223372036854775808"},
		{1<<63 - 1024, "9223372036854774784"}, // the largest float64 below 2^63
		{1 << 63, "9.223372036854776e+18"},
		{1e21, "1e+21"},
		{0.1, "0.1"},
		{12.5, "12.5"},
		{-0.125, "-0.125"},
		{1.5e-7, "1.5e-07"},
		{123456.789, "123456.789"},
		{1e300, "1e+300"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{math.SmallestNonzeroFloat64, "5e-324"},
		{-2.2250738585072014e-308, "-2.2250738585072014e-308"},
		{2.0 / 3, "0.6666666666666666"},
	}
	for _, tt := range tests {
		got := string(appendValue(nil, tt.v))
		if got != tt.want {
			t.Errorf("appendValue(%v) = %q, want %q", tt.v, got, tt.want)
		}
		if len(got) > maxValueLen || valueLen(tt.v) != len(got) {
			t.Errorf("appendValue(%v): %d bytes, valueLen %d, maxValueLen %d", tt.v, len(got), valueLen(tt.v), maxValueLen)
		}
		checkJavaReadsBack(t, got, tt.v)
	}
}

// checkJavaReadsBack checks that OpenTSDB parses s to exactly v: as a long
// when it looks like an integer, else as a double (Java's parseDouble rounds
// correctly, like Go's ParseFloat, and takes Go's exponent forms).
func checkJavaReadsBack(t *testing.T, s string, v float64) {
	t.Helper()
	if javaLooksLikeInteger(s) {
		n, ok := javaParseLong(s)
		if !ok || float64(n) != v {
			t.Fatalf("%q: not the long %v", s, v)
		}
		return
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != v {
		t.Fatalf("%q: reads back as %v, %v; want %v", s, f, err, v)
	}
	if strings.ContainsAny(s, " \t\n") || strings.HasPrefix(s, "+") {
		t.Fatalf("%q is not in Java's double syntax", s)
	}
}

func TestAppendTelnetAllocations(t *testing.T) {
	p := Point{Metric: "query.latency.p99", Time: testTime, Value: 12.5, Tags: mixedSnapshot(1).DefaultTags}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf = AppendTelnet(buf[:0], p) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}
