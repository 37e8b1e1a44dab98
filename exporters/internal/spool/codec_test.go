package spool

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

func TestCodecRoundTripsEveryField(t *testing.T) {
	for name, snap := range map[string]metrics.Snapshot{
		"full":   fullSnapshot(),
		"zero":   {},
		"empty":  {Series: []metrics.Series{}, DefaultTags: []metrics.Tag{}},
		"real":   snapshotOf(200),
		"before": {Time: time.Date(1900, 1, 1, 0, 0, 0, 1, time.UTC)},
	} {
		t.Run(name, func(t *testing.T) {
			var e encoder
			payload := e.encode(0, &snap)
			got, err := decodeSnapshot(payload)
			if err != nil {
				t.Fatal(err)
			}
			if err := sameSnapshot(got, snap); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Every float64 bit pattern, NaNs included, comes back as it went in.
func TestCodecKeepsFloatBits(t *testing.T) {
	var e encoder
	for _, bits := range []uint64{0x7ff0_0000_0000_0001, 0xfff8_0000_0000_0000, 0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000, 1, 0xffff_ffff_ffff_ffff} {
		snap := metrics.Snapshot{Series: []metrics.Series{{Kind: metrics.KindGaugeFloat64, Value: math.Float64frombits(bits),
			Summary: metrics.Summary{P999: math.Float64frombits(bits)}}}}
		got, err := decodeSnapshot(e.encode(0, &snap))
		if err != nil {
			t.Fatal(err)
		}
		if g := math.Float64bits(got.Series[0].Value); g != bits {
			t.Errorf("Value bits %#x, want %#x", g, bits)
		}
		if g := math.Float64bits(got.Series[0].Summary.P999); g != bits {
			t.Errorf("P999 bits %#x, want %#x", g, bits)
		}
	}
}

func TestCodecRefusesDamage(t *testing.T) {
	snap := fullSnapshot()
	var e encoder
	payload := bytes.Clone(e.encode(0, &snap))
	for n := range len(payload) { // every truncation
		if _, err := decodeSnapshot(payload[:n]); err == nil {
			t.Fatalf("a payload cut to %d of %d bytes decoded", n, len(payload))
		}
	}
	bad := bytes.Clone(payload)
	bad[0] = formatVersion + 1
	if _, err := decodeSnapshot(bad); err == nil {
		t.Error("another format version decoded")
	}
	if _, err := decodeSnapshot(append(bytes.Clone(payload), 0)); err == nil {
		t.Error("a payload with a trailing byte decoded")
	}
}

// FuzzDecode: no input panics the decoder or makes it allocate beyond the
// input's size, and what it decodes re-encodes to the same snapshot.
func FuzzDecode(f *testing.F) {
	var e encoder
	for _, snap := range []metrics.Snapshot{fullSnapshot(), {}, snapshotOf(20)} {
		f.Add(bytes.Clone(e.encode(0, &snap)))
	}
	f.Add([]byte{formatVersion, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{formatVersion, 1, 2, 3, 1, 2, 0, 5, 'h', 'o', 's', 't', 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		snap, err := decodeSnapshot(b)
		if err != nil {
			return
		}
		var e encoder
		again, err := decodeSnapshot(e.encode(0, &snap))
		if err != nil {
			t.Fatalf("re-encoded snapshot does not decode: %v", err)
		}
		if err := sameSnapshot(again, snap); err != nil {
			t.Fatal(err)
		}
	})
}
