package metrics

// Kind is the type of a series.
type Kind uint8

// The kinds of series. Their String forms are the names stored by exporters.
const (
	KindCounter      Kind = iota + 1 // a count that only moves by Inc and Dec
	KindGauge                        // an int64 level, set by Update or read from a function
	KindGaugeFloat64                 // a float64 level, set by Update or read from a function
	KindMeter                        // a count of events and its rates
	KindHistogram                    // a distribution of int64 values
	KindTimer                        // a distribution of durations, in nanoseconds, and its rates
)

var kindNames = [...]string{
	KindCounter:      "counter",
	KindGauge:        "gauge",
	KindGaugeFloat64: "gauge_float64",
	KindMeter:        "meter",
	KindHistogram:    "histogram",
	KindTimer:        "timer",
}

// String returns the kind's lower-case name: counter, gauge, gauge_float64,
// meter, histogram or timer.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "unknown"
}
