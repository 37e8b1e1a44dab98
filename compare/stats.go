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
	// Rate is Count per second over the side's span: the last interval
	// time minus the first plus one flush interval (the median gap between
	// consecutive flushes; 10 s with a single flush).
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

// stats summarises a line of a side; l nil is a line the side lacks.
func (l *line) stats(flushEvery time.Duration, histogram bool) Stats {
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
	d := m.Distribution()
	st.Count = d.Count
	if span := st.End.Sub(st.Start) + flushEvery; span > 0 {
		st.Rate = float64(st.Count) / span.Seconds()
	}
	if !histogram {
		return st
	}
	st.Dist = d
	st.Mean = d.Mean()
	if len(d.Buckets) > 0 {
		st.P50, st.P95, st.P99, st.P999 = d.Quantile(0.5), d.Quantile(0.95), d.Quantile(0.99), d.Quantile(0.999)
	}
	if d.Count > 0 {
		st.Max = d.Max
	}
	return st
}

// noise returns, for each field, the per-interval values of the line (l
// nil: none): each interval taken on its own, its series merged.
func (l *line) noise(flushEvery time.Duration, histogram bool) map[Field][]float64 {
	out := map[Field][]float64{}
	if l == nil {
		return out
	}
	for _, iv := range l.intervals {
		d := iv.Dist
		out[FieldCount] = append(out[FieldCount], float64(d.Count))
		out[FieldRate] = append(out[FieldRate], float64(d.Count)/flushEvery.Seconds())
		if !histogram || d.Count <= 0 {
			continue
		}
		out[FieldMean] = append(out[FieldMean], d.Mean())
		out[FieldMax] = append(out[FieldMax], float64(d.Max))
		if len(d.Buckets) > 0 {
			out[FieldP50] = append(out[FieldP50], d.Quantile(0.5))
			out[FieldP95] = append(out[FieldP95], d.Quantile(0.95))
			out[FieldP99] = append(out[FieldP99], d.Quantile(0.99))
			out[FieldP999] = append(out[FieldP999], d.Quantile(0.999))
		}
	}
	return out
}
