package console_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/vitals-go/vitals/exporters/console"
	"github.com/vitals-go/vitals/metrics"
)

// FuzzText checks that whatever a series holds, the text format writes it
// on one line of valid UTF-8 without control characters, and rejects
// nothing.
func FuzzText(f *testing.F) {
	f.Add("jobs.done", "queue", "base", uint8(metrics.KindCounter), int64(3), 1.5)
	f.Add("go.gc.pause", "k", "a b=\"c\"", uint8(metrics.KindTimer), int64(-1), -2e300)
	f.Add("x\n\xff", "", "\r", uint8(0), int64(1)<<62, 0.0)
	f.Add("vitals.", "exporter", "µ", uint8(metrics.KindHistogram), int64(7), 1e-9)
	f.Fuzz(func(t *testing.T, name, key, value string, kind uint8, count int64, v float64) {
		s := metrics.Series{Name: name, Kind: metrics.Kind(kind), Count: count, Value: v,
			Rates:   metrics.Rates{Rate1: v, Mean: v},
			Summary: metrics.Summary{Count: count, Max: count, P50: v, P99: v}}
		if key != "" || value != "" {
			s.Tags = []metrics.Tag{{Key: key, Value: value}}
		}
		snap := textSnapshot(0)
		snap.Series = append(snap.Series, s)
		var buf bytes.Buffer
		e, err := console.New(console.Config{Writer: &buf})
		if err != nil {
			t.Fatal(err)
		}
		next := textSnapshot(1)
		next.Series = append(next.Series, s)
		for _, snap := range []metrics.Snapshot{snap, next} {
			if err := e.Export(context.Background(), snap); err != nil {
				t.Fatal(err)
			}
			if n := e.Points(snap); n != len(snap.Series) {
				t.Fatalf("Points = %d, want %d", n, len(snap.Series))
			}
		}
		out := buf.String()
		if !utf8.ValidString(out) || !strings.HasSuffix(out, "\n") {
			t.Fatalf("not valid UTF-8 lines: %q", out)
		}
		appLines := 0
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if strings.IndexFunc(l, unicode.IsControl) >= 0 {
				t.Fatalf("control character in %q", l)
			}
			if !strings.HasPrefix(l, "-- ") && !strings.HasPrefix(l, "   ") {
				appLines++
			}
		}
		// textSnapshot has 6 application series, and s may be another.
		if appLines != 12 && appLines != 14 {
			t.Fatalf("%d application lines, want 12 or 14:\n%s", appLines, out)
		}
	})
}
