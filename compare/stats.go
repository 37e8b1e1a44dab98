package compare

import (
	"math"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// Stats summarises one side of a comparison line.
type Stats struct {
	// Intervals is the number of flushes (distinct interval times) that
	// have data, an idle interval of a histogram (count 0) included.
	Intervals int
	// Count is the number of values recorded (histograms and timers), or
	// of events counted (counters and meters; see Compare).
	Count int64
	// Rate is Count per second over the side's running time,
	// Span.Duration: for a release, the time its processes ran, from their
	// recorded runs.
	Rate float64
	// Mean is the exact mean of the values (Sum/Count).
	Mean float64
	// The quantiles come from the merged buckets of every interval and host
	// of the side (metrics.Distribution.Quantile, within 1%), never from
	// averaging stored percentiles. Intervals without buckets (the
	// histograms of an attached go-metrics registry) do not contribute.
	P50, P95, P99, P999 float64
	// Max is the largest value recorded.
	Max int64
	// Dist is the merged distribution (Count, Sum, Min, Max, Buckets), for
	// CDF charts.
	Dist metrics.Distribution
	// Start and End are the first and last interval times of the side's
	// data.
	Start, End time.Time
}

// Value returns the field f of s, NaN for a field that is not one of the
// Field constants.
func (s Stats) Value(f Field) float64 {
	switch f {
	case FieldCount:
		return float64(s.Count)
	case FieldRate:
		return s.Rate
	case FieldMean:
		return s.Mean
	case FieldP50:
		return s.P50
	case FieldP95:
		return s.P95
	case FieldP99:
		return s.P99
	case FieldP999:
		return s.P999
	case FieldMax:
		return float64(s.Max)
	}
	return math.NaN()
}

// stats summarises a line of side d; l nil is a line the side lacks.
func (l *line) stats(d *side, histogram bool) Stats {
	var st Stats
	if l == nil || len(l.intervals) == 0 {
		return st
	}
	st.Intervals = len(l.intervals)
	st.Start, st.End = l.intervals[0].Time, l.intervals[len(l.intervals)-1].Time
	var m metrics.Merger
	for _, iv := range l.intervals {
		m.Add(iv.Dist)
	}
	dist := m.Distribution()
	st.Count = dist.Count
	if d.span.Duration > 0 {
		st.Rate = float64(st.Count) / d.span.Duration.Seconds()
	}
	if !histogram {
		return st
	}
	st.Dist = dist
	st.Mean = dist.Mean()
	if len(dist.Buckets) > 0 {
		st.P50, st.P95, st.P99, st.P999 = dist.Quantile(0.5), dist.Quantile(0.95), dist.Quantile(0.99), dist.Quantile(0.999)
	}
	if dist.Count > 0 {
		st.Max = dist.Max
	}
	return st
}

// samples returns, for each field but FieldCount, the per-interval values
// of the line on side d (l nil: none), the values that the judge tests:
// each interval taken on its own, its series merged. An interval covers
// the time since the previous one, at most one flush interval, during
// which the side's processes ran (see side.covered); one that covers less
// than half a flush interval (the first after a start, the last before a
// stop) is left out, its few values being noise. The rate of an interval
// is its count over the time it covers; an interval without values has a
// rate but no mean, quantiles or max.
func (l *line) samples(d *side, histogram bool) map[Field][]float64 {
	out := map[Field][]float64{}
	if l == nil {
		return out
	}
	flush := d.span.Flush
	var prev time.Time
	for i, iv := range l.intervals {
		from := iv.Time.Add(-flush)
		if i > 0 && prev.After(from) {
			from = prev
		}
		prev = iv.Time
		covered := d.covered(from, iv.Time)
		if covered < flush/2 {
			continue
		}
		dist := iv.Dist
		out[FieldRate] = append(out[FieldRate], float64(dist.Count)/covered.Seconds())
		if !histogram || dist.Count <= 0 {
			continue
		}
		out[FieldMean] = append(out[FieldMean], dist.Mean())
		out[FieldMax] = append(out[FieldMax], float64(dist.Max))
		if len(dist.Buckets) > 0 {
			out[FieldP50] = append(out[FieldP50], dist.Quantile(0.5))
			out[FieldP95] = append(out[FieldP95], dist.Quantile(0.95))
			out[FieldP99] = append(out[FieldP99], dist.Quantile(0.99))
			out[FieldP999] = append(out[FieldP999], dist.Quantile(0.999))
		}
	}
	return out
}
