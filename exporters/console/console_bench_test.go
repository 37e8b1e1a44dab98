package console_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters/console"
	"github.com/vitals-go/vitals/metrics"
)

// BenchmarkExport exports the textSnapshot's SDK series, first as in a
// registry, then 3,000 application series (counters, meters and timers), a
// new interval each time.
func BenchmarkExport(b *testing.B) {
	snap := metrics.Snapshot{Time: testTime, DefaultTags: []metrics.Tag{{Key: "host", Value: "web01"}, {Key: "service", Value: "alerts"}}}
	for _, s := range textSnapshot(1).Series {
		if s.Name[0] == 'v' || s.Name[0] == 'g' || s.Name[0] == 'p' {
			snap.Series = append(snap.Series, s)
		}
	}
	for i := range 1000 {
		for _, s := range testSnapshot().Series {
			s.Name = fmt.Sprintf("%s%d", s.Name, i)
			snap.Series = append(snap.Series, s)
		}
	}
	for _, format := range []console.Format{console.FormatPut, console.FormatText} {
		b.Run(format.String(), func(b *testing.B) {
			e, err := console.New(console.Config{Format: format, Writer: io.Discard})
			if err != nil {
				b.Fatal(err)
			}
			snap := snap
			b.ReportAllocs()
			for b.Loop() {
				snap.Time = snap.Time.Add(10 * time.Second)
				if err := e.Export(context.Background(), snap); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(snap.Series)), "ns/series")
		})
	}
}
