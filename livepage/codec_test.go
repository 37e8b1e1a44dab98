package livepage

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/vitals-go/vitals/metrics"
)

// TestQuantileCode checks that quantiles come back within 0.07%.
func TestQuantileCode(t *testing.T) {
	for _, v := range []float64{1, 1.5, 2, 3, 999, 1e6, 2.5e7, 1e10, 9.2e18, -1, -12345, math.MaxInt64} {
		got, ok := decodeQuantile(encodeQuantile(v))
		if !ok || !near(got, v, 0.0007) {
			t.Errorf("%v came back as %v (%v)", v, got, ok)
		}
	}
	for _, v := range []float64{0, 0.5, -0.5} {
		if got, ok := decodeQuantile(encodeQuantile(v)); !ok || got != 0 {
			t.Errorf("%v came back as %v (%v), want 0", v, got, ok)
		}
	}
	if _, ok := decodeQuantile(encodeQuantile(math.NaN())); ok {
		t.Error("NaN has a value")
	}
}

// TestCountCode checks that counts come back exact up to 32,766, within
// 0.02% above.
func TestCountCode(t *testing.T) {
	for _, c := range []int64{0, 1, 5, 32766, 32767, 32768, 1e6, 123456789, 1<<31 - 1<<20} {
		got, ok := decodeCount(encodeCount(c))
		if !ok || (c < 32767 && got != float64(c)) || !near(got, float64(c), 0.0002) && c != 0 {
			t.Errorf("%d came back as %v (%v)", c, got, ok)
		}
	}
	if got, _ := decodeCount(encodeCount(1 << 40)); !near(got, 1<<31, 0.0004) {
		t.Errorf("2^40 came back as %v, want 2^31", got)
	}
	if _, ok := decodeCount(countNull); ok {
		t.Error("the null code has a value")
	}
}

// TestBands checks the placing of the bands and the counts they give back.
func TestBands(t *testing.T) {
	// Values from 1 µs to 10 ms: octaves 10 to 24, in bands 10 to 25.
	sum := &metrics.Summary{Min: 1000, Max: 10_000_000, P50: 50_000}
	if base := placeBands(sum); base != 10 {
		t.Errorf("placeBands(1µs..10ms) = %d, want 10", base)
	}
	// 1 ms to 2 ms: octaves 20 and 21, in the middle of bands 13 to 28.
	if base := placeBands(&metrics.Summary{Min: 1e6, Max: 2e6 - 1}); base != 13 {
		t.Errorf("placeBands(1ms..2ms) = %d, want 13", base)
	}
	// Wider than 16 octaves: centred on the median.
	sum = &metrics.Summary{Min: 1, Max: 1 << 40, P50: 1 << 20}
	if base := placeBands(sum); base != 21-7 {
		t.Errorf("placeBands(1..2^40, median 2^20) = %d, want 14", base)
	}
	if base := placeBands(&metrics.Summary{Min: -5, Max: 0}); base != 1 {
		t.Errorf("placeBands(<=0) = %d, want 1", base)
	}
	if base := placeBands(&metrics.Summary{Min: math.MaxInt64, Max: math.MaxInt64, P50: math.MaxInt64}); base != 49 {
		t.Errorf("placeBands(MaxInt64) = %d, want 49", base)
	}

	base := 9
	buckets := []metrics.Bucket{
		{Index: metrics.BucketIndex(1), Count: 1},          // below the bands: counted in the first
		{Index: metrics.BucketIndex(300), Count: 3},        // octave 9, the first band
		{Index: metrics.BucketIndex(50_000), Count: 600},   // octave 16, band 7
		{Index: metrics.BucketIndex(60_000), Count: 396},   // octave 16 too
		{Index: metrics.BucketIndex(1 << 40), Count: 1000}, // above: the last band
	}
	var counts bandCounts
	counts.add(buckets[:2], base)
	counts.add(buckets[2:], base) // a column's second snapshot adds to its first
	packed := counts.pack()
	total := 2000.0
	want := map[int][2]float64{0: {4, 4}, 7: {996, 996}, 15: {1000, 1000}}
	for i := range bandCount {
		got := approxCount(packed, i, total)
		w, ok := want[i]
		if !ok {
			if got != 0 {
				t.Errorf("band %d: %v, want 0", i, got)
			}
			continue
		}
		if got < w[0]/math.Sqrt2-0.5 || got > w[1]*math.Sqrt2+0.5 {
			t.Errorf("band %d: %v, want %v within a factor of √2, rounded", i, got, w[0])
		}
	}
	counts = bandCounts{}
	if counts.add(nil, base); counts.pack() != 0 {
		t.Error("no buckets have bands")
	}
	counts.add([]metrics.Bucket{{Index: 0, Count: math.MaxUint64}, {Index: 0, Count: 1}}, base)
	if counts[0] != math.MaxUint32 || counts.pack() != bandMax<<0 {
		t.Errorf("a count beyond 2^32: %d, packed %x; want saturated, all in the first band", counts[0], counts.pack())
	}
	if b := bandBounds(9); len(b) != bandCount || b[0] != 256 || b[15] != 1<<23 {
		t.Errorf("bandBounds(9) = %v", b)
	}
}

// TestJSONNumbers checks the numbers of a State.
func TestJSONNumbers(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 5: "5", -1: "-1", 2.5: "2.5", 0.125: "0.125", 1.0 / 3: "0.333333", 12345.678: "12345.7",
		20123456.7: "20123457", 1e15: "1e+15", math.NaN(): "null", math.Inf(1): "null", math.Inf(-1): "null",
		float64(float32(4.9)): "4.9", 0.000123456: "0.000123456", 0.0001: "0.0001", 9.9999999: "10", -99999.9: "-99999.9",
		1.05: "1.05", 0.1: "0.1", 12.000001: "12", 1.5e-5: "1.5e-05", 3e20: "3e+20",
	} {
		got := string(appendNumber(nil, v))
		if got != want {
			t.Errorf("appendNumber(%v) = %s, want %s", v, got, want)
		}
		if want != "null" && !json.Valid([]byte(got)) {
			t.Errorf("appendNumber(%v) = %s is not JSON", v, got)
		}
	}
}

// TestJSONNumbersMatchStrconv checks appendNumber's own formatting against
// strconv's, over many magnitudes.
func TestJSONNumbersMatchStrconv(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100_000 {
		v := math.Exp(rng.Float64()*30-12) * float64(1-2*rng.IntN(2))
		got := string(appendNumber(nil, v))
		g, err := strconv.ParseFloat(got, 64)
		if err != nil || !json.Valid([]byte(got)) {
			t.Fatalf("appendNumber(%v) = %s: %v", v, got, err)
		}
		want, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
		if math.Abs(v) < 1e5 && g != want || !near(g, v, 5e-6) {
			t.Fatalf("appendNumber(%v) = %s, strconv %v", v, got, want)
		}
	}
}

// TestJSONQuantiles checks the numbers of p50 and p99.
func TestJSONQuantiles(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 8.99998: "9", 13.9931: "13.99", 20123457: "2012e4", 20000000: "2e7", 99995: "1e5", 99994: "9999e1",
		1e4: "1e4", -12345: "-1235e1", 1.5: "1.5", 0.5: "0.5", 9999.6: "10000", 2e18: "2e+18", math.NaN(): "null",
	} {
		got := string(appendQuantile(nil, v))
		if got != want {
			t.Errorf("appendQuantile(%v) = %s, want %s", v, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 100_000 {
		v := math.Exp(rng.Float64()*50-10) * float64(1-2*rng.IntN(2))
		got := string(appendQuantile(nil, v))
		g, err := strconv.ParseFloat(got, 64)
		if err != nil || !json.Valid([]byte(got)) || !near(g, v, 5e-4) {
			t.Fatalf("appendQuantile(%v) = %s (%v)", v, got, err)
		}
	}
}

// TestJSONStrings checks that any string comes back from JSON as it was,
// invalid UTF-8 replaced, with nothing a page would read as markup.
func TestJSONStrings(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\back`, "ctl\x00\x01\x1f\x7f\n\t\r", "<script>&amp;</script>",
		"ünï €ode 😀", "line\u2028sep\u2029", "bad\xff\xfeutf8", "end\xe2\x82"} {
		b := appendString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Errorf("%q: %s is not a JSON string: %v", s, b, err)
			continue
		}
		want, _ := json.Marshal(s) // encoding/json's replacement of invalid UTF-8
		var w string
		_ = json.Unmarshal(want, &w)
		if got != w {
			t.Errorf("%q came back as %q, want %q", s, got, w)
		}
		if strings.ContainsAny(string(b), "<>&\u2028\u2029") {
			t.Errorf("%q: %s holds markup or a line separator unescaped", s, b)
		}
	}
}
