package console_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vitals-go/vitals/exporters/console"
	"github.com/vitals-go/vitals/metrics"
)

// TestExportRetryBySeq: after a Write that failed part-way, Export tells a
// retry by Snapshot.Seq alone. The same Seq resumes the partly written
// snapshot, even from a copy of it; another Seq, or Seq 0, is a new
// snapshot, even with the same Time, length and Series array, which the
// guess by time, length and &Series[0] took for a retry.
func TestExportRetryBySeq(t *testing.T) {
	const cut = 60 // inside the second line
	// other is testOutput with every value 3 replaced by 7.
	other := func() metrics.Snapshot {
		snap := testSnapshot()
		for i := range snap.Series {
			s := &snap.Series[i]
			if s.Count == 3 {
				s.Count = 7
			}
		}
		return snap
	}
	otherOutput := strings.Replace(testOutput, "1700000000 3 host=web01 queue=base", "1700000000 7 host=web01 queue=base", 1)
	// The torn line is ended, then the next snapshot is written in full.
	restarted := func(next string) string { return testOutput[:cut] + "\n" + next }

	cases := []struct {
		name string
		next func(first metrics.Snapshot) metrics.Snapshot
		want string
	}{
		{"same seq", func(first metrics.Snapshot) metrics.Snapshot { return first }, testOutput},
		{"same seq, copied series", func(first metrics.Snapshot) metrics.Snapshot {
			first.Series = slices.Clone(first.Series)
			return first
		}, testOutput},
		{"next seq, same time and length", func(metrics.Snapshot) metrics.Snapshot {
			next := other()
			next.Seq = 2
			return next
		}, restarted(otherOutput)},
		{"next seq, same series array", func(first metrics.Snapshot) metrics.Snapshot {
			// A producer that reuses its Series array for the next interval.
			first.Series[0].Count = 7
			first.Seq = 2
			return first
		}, restarted(otherOutput)},
		{"seq 0", func(first metrics.Snapshot) metrics.Snapshot {
			first.Seq = 0
			return first
		}, restarted(testOutput)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := &failingWriter{broken: true, limit: cut}
			e := newExporter(t, console.Config{Format: console.FormatPut, Writer: w})
			first := testSnapshot()
			first.Seq = 1
			if err := e.Export(context.Background(), first); !errors.Is(err, errDiskFull) {
				t.Fatalf("first Export: %v, want disk full", err)
			}
			w.set(false, 0)
			if err := e.Export(context.Background(), tc.next(first)); err != nil {
				t.Fatal(err)
			}
			if got := w.buf.String(); got != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
