package compare

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// simulated returns a line of n 1 s intervals of a service whose requests
// arrive at rate per second (a Poisson count per interval) and take a
// lognormal time of median medianMs and shape 0.7 (p99 about 5 times the
// median).
func simulated(rng *rand.Rand, n int, rate, medianMs float64) *line {
	var l line
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		count := int(math.Max(0, math.Round(rate+math.Sqrt(rate)*rng.NormFloat64())))
		var m metrics.Merger
		for range count {
			v := int64(medianMs * 1e6 * math.Exp(0.7*rng.NormFloat64()))
			m.Add(metrics.Distribution{Count: 1, Sum: v, Min: v, Max: v, Buckets: []metrics.Bucket{{Index: metrics.BucketIndex(v), Count: 1}}})
		}
		l.intervals = append(l.intervals, Interval{Time: t0.Add(time.Duration(i+1) * time.Second), Dist: m.Distribution()})
	}
	return &l
}

// regressed reports whether the judge, at its defaults, finds a regression
// from before to after, 10 s each.
func regressed(before, after *line) (bool, map[Field]Change) {
	d := &side{span: Span{Flush: time.Second, Duration: 10 * time.Second}}
	j := Judge{}.withDefaults()
	ch := changes(j, "query.latency", before.stats(d, true), after.stats(d, true), before.samples(d, true), after.samples(d, true), true)
	return (&Comparison{Series: []Line{{Changes: ch}}}).Regressed(), ch
}

// TestCalibration measures the judge at its defaults on simulated
// services, 10 intervals of 1 s a side: the false alarms of A/A trials
// (both sides from one distribution; 1.3% measured over 2000 trials at 200
// requests per second, up to 2% at 50), and the power against a doubled
// latency and a 20% drop in throughput (every trial flagged).
func TestCalibration(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(15, 2026))
	const trials = 400
	alarms := 0
	for range trials {
		if r, _ := regressed(simulated(rng, 10, 200, 10), simulated(rng, 10, 200, 10)); r {
			alarms++
		}
	}
	t.Logf("A/A: %d false alarms in %d trials", alarms, trials)
	if alarms > trials*3/100 {
		t.Errorf("A/A: %d false alarms in %d trials, want at most 3%%", alarms, trials)
	}
	for range 50 {
		r, ch := regressed(simulated(rng, 10, 200, 10), simulated(rng, 10, 200, 20))
		if p50 := ch[FieldP50]; !r || p50.Verdict != Worse || math.Abs(p50.Effect-1) > 0.2 {
			t.Fatalf("doubled latency: p50 %+v", p50)
		}
		r, ch = regressed(simulated(rng, 10, 1000, 10), simulated(rng, 10, 800, 10))
		if rate := ch[FieldRate]; !r || rate.Verdict != Worse || math.Abs(rate.Effect+0.2) > 0.05 {
			t.Fatalf("throughput -20%%: rate %+v", rate)
		}
	}
}
