package tsdb

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// testTime is every test snapshot's time.
var testTime = time.Unix(1700000000, 0)

// host is the usual default tag.
var host = []metrics.Tag{{Key: "host", Value: "web01"}}

// mixedSnapshot is n series of every kind, as a registry makes them: three
// default tags, one or two tags of their own, about one histogram or timer
// in five with an empty interval. The same n gives the same snapshot.
func mixedSnapshot(n int) metrics.Snapshot {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	snap := metrics.Snapshot{
		Time: testTime,
		DefaultTags: []metrics.Tag{
			{Key: "host", Value: "web01.example.com"},
			{Key: "service", Value: "alerts"},
			{Key: "version", Value: "v42.1"},
		},
		Series: make([]metrics.Series, n),
	}
	kinds := []metrics.Kind{metrics.KindCounter, metrics.KindGauge, metrics.KindGaugeFloat64,
		metrics.KindMeter, metrics.KindHistogram, metrics.KindTimer}
	stages := []string{"plan", "exec", "fetch", "merge"}
	for i := range snap.Series {
		s := &snap.Series[i]
		s.Kind = kinds[i%len(kinds)]
		s.Name = fmt.Sprintf("service.component%d.%s", i/len(kinds), s.Kind)
		s.Tags = []metrics.Tag{{Key: "stage", Value: stages[i%len(stages)]}}
		if i%3 == 0 {
			s.Tags = []metrics.Tag{{Key: "queue", Value: fmt.Sprintf("q%d", i%17)}, s.Tags[0]}
		}
		s.Count = rng.Int64N(1 << 40)
		switch s.Kind {
		case metrics.KindGauge:
			s.Value = float64(rng.Int64N(1<<20) - 1<<19)
		case metrics.KindGaugeFloat64:
			s.Value = rng.NormFloat64() * 1000
		case metrics.KindMeter, metrics.KindHistogram, metrics.KindTimer:
			s.Rates = metrics.Rates{Rate1: rng.Float64() * 100, Rate5: rng.Float64() * 100, Rate15: rng.Float64() * 100, Mean: rng.Float64() * 100}
			if s.Kind == metrics.KindMeter || rng.IntN(5) == 0 {
				break
			}
			if s.Kind == metrics.KindTimer {
				s.Unit = "ns"
			}
			lo := rng.Int64N(1e6)
			s.Summary = metrics.Summary{
				Count: rng.Int64N(1e5) + 1, Min: lo, Max: lo + rng.Int64N(1e9),
				Mean: float64(lo) * 1.5, StdDev: float64(lo) / 3,
				P50: float64(lo) * 1.2, P75: float64(lo) * 1.4, P95: float64(lo) * 2.1, P99: float64(lo) * 3.3, P999: float64(lo) * 7.7,
			}
		}
	}
	return snap
}

// validUTF8 replaces each byte of invalid UTF-8 in s with U+FFFD, as a JSON
// encoder must.
func validUTF8(s string) string { return string([]rune(s)) }
