package tsdb

import "github.com/vitals-go/vitals/metrics"

// field is one exported value of a series.
type field uint8

const (
	fieldCount field = iota
	fieldValue
	fieldMin
	fieldMax
	fieldMean
	fieldStdDev
	fieldP50
	fieldP75
	fieldP95
	fieldP99
	fieldP999
	fieldRate1
	fieldRate5
	fieldRate15
	fieldRateMean
	numFields
)

// fieldNames are the metric suffixes of each naming. go-metrics calls a
// meter's mean rate "mean" but a timer's "mean-rate" (its "mean" is the mean
// duration); layoutFor handles that one exception.
var fieldNames = [...][numFields]string{
	NamingVitals: {
		"count", "value", "min", "max", "mean", "stddev",
		"p50", "p75", "p95", "p99", "p999",
		"rate1", "rate5", "rate15", "rate_mean",
	},
	NamingGoMetrics: {
		"count", "value", "min", "max", "mean", "std-dev",
		"50-percentile", "75-percentile", "95-percentile", "99-percentile", "999-percentile",
		"one-minute", "five-minute", "fifteen-minute", "mean",
	},
}

// The fields of each kind, in export order.
var (
	counterFields   = []field{fieldCount}
	gaugeFields     = []field{fieldValue}
	meterFields     = []field{fieldCount, fieldRate1, fieldRate5, fieldRate15, fieldRateMean}
	histogramFields = []field{fieldCount, fieldMin, fieldMax, fieldMean, fieldStdDev, fieldP50, fieldP75, fieldP95, fieldP99, fieldP999}
	timerFields     = []field{fieldCount, fieldMin, fieldMax, fieldMean, fieldStdDev, fieldP50, fieldP75, fieldP95, fieldP99, fieldP999, fieldRate1, fieldRate5, fieldRate15, fieldRateMean}
	// An empty interval has no min, max, mean, stddev or quantiles.
	emptyHistogramFields = []field{fieldCount}
	emptyTimerFields     = []field{fieldCount, fieldRate1, fieldRate5, fieldRate15, fieldRateMean}
)

// layout is what one series exports: its fields and their metric suffixes.
type layout struct {
	fields  []field
	names   []string
	nameLen int // sum of len(names)
}

const numKinds = int(metrics.KindTimer) + 1

// layouts[naming][kind][empty interval]; kinds outside the table have none.
var layouts = buildLayouts()

func buildLayouts() (l [2][numKinds][2]layout) {
	for _, naming := range []Naming{NamingVitals, NamingGoMetrics} {
		for kind := metrics.KindCounter; kind <= metrics.KindTimer; kind++ {
			for empty := range 2 {
				fields := kindFields(kind, empty == 1)
				lay := layout{fields: fields, names: make([]string, len(fields))}
				for i, f := range fields {
					name := fieldNames[naming][f]
					if naming == NamingGoMetrics && kind == metrics.KindTimer && f == fieldRateMean {
						name = "mean-rate"
					}
					lay.names[i] = name
					lay.nameLen += len(name)
				}
				l[naming][kind][empty] = lay
			}
		}
	}
	return l
}

func kindFields(kind metrics.Kind, empty bool) []field {
	switch kind {
	case metrics.KindCounter:
		return counterFields
	case metrics.KindGauge, metrics.KindGaugeFloat64:
		return gaugeFields
	case metrics.KindMeter:
		return meterFields
	case metrics.KindHistogram:
		if empty {
			return emptyHistogramFields
		}
		return histogramFields
	case metrics.KindTimer:
		if empty {
			return emptyTimerFields
		}
		return timerFields
	}
	return nil
}

// layoutOf returns the series' layout; ok is false for an unknown kind.
func layoutOf(naming Naming, s *metrics.Series) (lay *layout, ok bool) {
	if s.Kind < metrics.KindCounter || s.Kind > metrics.KindTimer {
		return nil, false
	}
	empty := 0
	if s.Summary.Count == 0 && (s.Kind == metrics.KindHistogram || s.Kind == metrics.KindTimer) {
		empty = 1
	}
	return &layouts[naming][s.Kind][empty], true
}

// pointsOf is how many points a series makes, valid or not: one for a
// series of unknown kind, which is always invalid.
func pointsOf(s *metrics.Series) int {
	switch s.Kind {
	case metrics.KindCounter, metrics.KindGauge, metrics.KindGaugeFloat64:
		return 1
	case metrics.KindMeter:
		return len(meterFields)
	case metrics.KindHistogram:
		if s.Summary.Count == 0 {
			return len(emptyHistogramFields)
		}
		return len(histogramFields)
	case metrics.KindTimer:
		if s.Summary.Count == 0 {
			return len(emptyTimerFields)
		}
		return len(timerFields)
	}
	return 1
}

// valueOf reads one field; unit scales a timer's durations.
func valueOf(s *metrics.Series, f field, unit float64) float64 {
	switch f {
	case fieldCount:
		return float64(s.Count)
	case fieldValue:
		return s.Value
	case fieldMin:
		return float64(s.Summary.Min) / unit
	case fieldMax:
		return float64(s.Summary.Max) / unit
	case fieldMean:
		return s.Summary.Mean / unit
	case fieldStdDev:
		return s.Summary.StdDev / unit
	case fieldP50:
		return s.Summary.P50 / unit
	case fieldP75:
		return s.Summary.P75 / unit
	case fieldP95:
		return s.Summary.P95 / unit
	case fieldP99:
		return s.Summary.P99 / unit
	case fieldP999:
		return s.Summary.P999 / unit
	case fieldRate1:
		return s.Rates.Rate1
	case fieldRate5:
		return s.Rates.Rate5
	case fieldRate15:
		return s.Rates.Rate15
	case fieldRateMean:
		return s.Rates.Mean
	}
	return 0
}
