package pprofserver

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// TestEncodeMetrics drives the encoder with values a registry should never
// hand out, but JSON could not hold: they become null.
func TestEncodeMetrics(t *testing.T) {
	snap := metrics.Snapshot{
		Time: time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC),
		Series: []metrics.Series{
			{Name: "b", Kind: metrics.KindGaugeFloat64, Value: math.NaN()},
			{Name: "a", Tags: []metrics.Tag{{Key: "k", Value: "2"}}, Kind: metrics.KindGaugeFloat64, Value: math.Inf(1)},
			{Name: "a", Tags: []metrics.Tag{{Key: "k", Value: "1"}}, Kind: metrics.KindMeter, Count: 1,
				Rates: metrics.Rates{Rate1: math.Inf(-1)}},
		},
	}
	var b bytes.Buffer
	if err := encodeMetrics(&b, snap); err != nil {
		t.Fatal(err)
	}
	want := `{"time":"2026-01-02T15:04:05Z","default_tags":{},"series":[
{"name":"a","tags":{"k":"1"},"kind":"meter","count":1,"rates":{"rate1":null,"rate5":0,"rate15":0,"mean":0}},
{"name":"a","tags":{"k":"2"},"kind":"gauge_float64","value":null},
{"name":"b","kind":"gauge_float64","value":null}
]}
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if !json.Valid(b.Bytes()) {
		t.Error("not valid JSON")
	}
	if snap.Series[0].Name != "b" {
		t.Error("encodeMetrics sorted the caller's slice")
	}

	b.Reset()
	if err := encodeMetrics(&b, metrics.Snapshot{}); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); !strings.HasSuffix(got, `"series":[`+"\n]}\n") || !json.Valid(b.Bytes()) {
		t.Errorf("an empty snapshot encodes as %q", got)
	}
}
