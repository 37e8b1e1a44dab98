package compare

import "math"

// Field names a compared statistic of a line, a key of Line.Changes.
type Field string

// The compared fields: all of them for histograms and timers, FieldCount
// and FieldRate for counters and meters. See Stats for what they hold.
const (
	FieldCount Field = "count"
	FieldRate  Field = "rate"
	FieldMean  Field = "mean"
	FieldP50   Field = "p50"
	FieldP95   Field = "p95"
	FieldP99   Field = "p99"
	FieldP999  Field = "p999"
	FieldMax   Field = "max"
)

// The fields of a line, in the order a table shows them.
var (
	histogramFields = []Field{FieldCount, FieldRate, FieldMean, FieldP50, FieldP95, FieldP99, FieldP999, FieldMax}
	counterFields   = []Field{FieldCount, FieldRate}
)

// Change is the change of one field from Before to After.
type Change struct {
	// Abs is after - before; Rel is Abs/before, 0 when before is 0.
	Abs, Rel float64
	// Significant reports whether the change stands out from the noise of
	// the Before side; see Compare.
	Significant bool
}

// Significance thresholds, see Compare.
const (
	significantSigmas = 3    // |after - before| > 3 s
	significantRel    = 0.05 // |Rel| > 5%
	minNoiseIntervals = 3    // fewer Before intervals: the relative rule alone
)

// changes computes the Changes of a line from its sides and the Before
// side's per-interval values of each field.
func changes(before, after Stats, noise map[Field][]float64, histogram bool) map[Field]Change {
	fields := counterFields
	if histogram {
		fields = histogramFields
	}
	out := make(map[Field]Change, len(fields))
	for _, f := range fields {
		out[f] = change(before.Value(f), after.Value(f), noise[f])
	}
	return out
}

// change is the Change from before to after, given the Before side's
// per-interval values of the field.
func change(before, after float64, perInterval []float64) Change {
	c := Change{Abs: after - before}
	if before == 0 {
		c.Significant = after != 0
		return c
	}
	c.Rel = c.Abs / before
	c.Significant = math.Abs(c.Rel) > significantRel
	if len(perInterval) >= minNoiseIntervals {
		c.Significant = c.Significant && math.Abs(c.Abs) > significantSigmas*stddev(perInterval)
	}
	return c
}

// stddev is the population standard deviation of xs.
func stddev(xs []float64) float64 {
	var m float64
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	var s float64
	for _, x := range xs {
		s += (x - m) * (x - m)
	}
	return math.Sqrt(s / float64(len(xs)))
}
