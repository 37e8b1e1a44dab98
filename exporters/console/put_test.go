package console_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/vitals-go/vitals/exporters/console"
	"github.com/vitals-go/vitals/metrics"
)

// FormatPut writes the application's series first and the SDK's after them,
// each in the snapshot's order, without changing the snapshot, which the
// other exporters share.
func TestPutAppFirst(t *testing.T) {
	snap := metrics.Snapshot{Seq: 1, Time: testTime, DefaultTags: []metrics.Tag{{Key: "host", Value: "web01"}}, Series: []metrics.Series{
		{Name: "go.goroutines", Kind: metrics.KindGauge, Value: 12},
		{Name: "jobs.done", Kind: metrics.KindCounter, Count: 3},
		{Name: "vitals.exporter.exported", Kind: metrics.KindCounter, Count: 111, Tags: []metrics.Tag{{Key: "exporter", Value: "console"}}},
		{Name: "queue.depth", Kind: metrics.KindGauge, Value: 25},
		{Name: "process.open.fds", Kind: metrics.KindGauge, Value: 9},
		{Name: "gopher", Kind: metrics.KindGauge, Value: 1}, // not the runtime's
	}}
	before := slices.Clone(snap.Series)
	const want = `put jobs.done.count 1700000000 3 host=web01
put queue.depth.value 1700000000 25 host=web01
put gopher.value 1700000000 1 host=web01
put go.goroutines.value 1700000000 12 host=web01
put vitals.exporter.exported.count 1700000000 111 exporter=console host=web01
put process.open.fds.value 1700000000 9 host=web01
`
	// Written at the first try, and after failures part-way (retried with
	// the same Seq, as the Reporter does).
	for _, limit := range []int{-1, 0, 50, 150} {
		w := &failingWriter{broken: limit >= 0, limit: limit}
		e := newExporter(t, console.Config{Format: console.FormatPut, Writer: w})
		err := e.Export(context.Background(), snap)
		if limit >= 0 {
			if !errors.Is(err, errDiskFull) {
				t.Fatalf("limit %d: error %v", limit, err)
			}
			w.set(false, 0)
			err = e.Export(context.Background(), snap)
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := w.buf.String(); got != want {
			t.Fatalf("limit %d: got\n%s\nwant\n%s", limit, got, want)
		}
		if n := e.Points(snap); n != len(snap.Series) {
			t.Fatalf("Points = %d", n)
		}
	}
	for i := range before {
		if snap.Series[i].Name != before[i].Name {
			t.Fatalf("the snapshot was reordered: %v", snap.Series)
		}
	}
}
