package compare

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

// valid reports whether f is one of the Field constants.
func (f Field) valid() bool {
	for _, g := range histogramFields {
		if f == g {
			return true
		}
	}
	return false
}

// Change is the change of one field from Before to After, and the judge's
// verdict on it.
type Change struct {
	// Abs is after - before; Rel is Abs/before, 0 when before is 0: the
	// change of the sides' values (Stats.Value).
	Abs, Rel float64
	// PValue is the two-sided p-value of the Mann-Whitney U test of the
	// field's per-interval values on the two sides (see Compare): the
	// chance of ranks at least this unevenly shared if nothing changed.
	// NaN when the field was not tested (see Untested).
	PValue float64
	// Effect is the size of the change of the per-interval values: the
	// Hodges-Lehmann shift (the median of the differences after - before
	// over every pair of intervals) relative to the median of the Before
	// values (of the After values when that is 0), so 0.5 is +50%. NaN
	// when the field was not tested.
	Effect float64
	// BeforeValues and AfterValues are the numbers of per-interval values
	// tested (see Compare). MinPValue says how low PValue can go with
	// them.
	BeforeValues, AfterValues int
	// Significant reports that PValue <= Judge.Alpha and |Effect| >=
	// Judge.MinEffect: the change is both unlikely to be noise and large
	// enough to matter.
	Significant bool
	// WorseWhen is the direction in which the field is worse; 0 for a
	// field that is not judged (FieldCount).
	WorseWhen Direction
	// Verdict is Worse for a significant change in the WorseWhen
	// direction (a regression), Better for one in the other.
	Verdict Verdict
}

// change returns the Change of a field from before to after, judged by j
// on the per-interval values of the sides, the field being worse in
// direction d.
func change(j Judge, d Direction, before, after float64, beforeValues, afterValues []float64) Change {
	c := Change{Abs: after - before}
	if before != 0 {
		c.Rel = c.Abs / before
	}
	j.judge(&c, d, beforeValues, afterValues)
	return c
}

// changes computes the Changes of a line of metric from its sides' Stats
// and per-interval values (see line.samples), judged by j.
func changes(j Judge, metric string, before, after Stats, beforeValues, afterValues map[Field][]float64, histogram bool) map[Field]Change {
	fields := counterFields
	if histogram {
		fields = histogramFields
	}
	out := make(map[Field]Change, len(fields))
	for _, f := range fields {
		out[f] = change(j, j.worseWhen(f, metric), before.Value(f), after.Value(f), beforeValues[f], afterValues[f])
	}
	return out
}
