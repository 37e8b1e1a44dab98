package postgres

// The int8 and float8 columns of vitals_points after series_id and ts, in
// table order.
const (
	colTotal = iota
	colCount
	colSum
	colMin
	colMax
	numInts
)

// The float8 columns, likewise.
const (
	colValue = iota
	colMean
	colStdDev
	colP50
	colP75
	colP95
	colP99
	colP999
	colRate1
	colRate5
	colRate15
	colRateMean
	numFloats
)

// The names of the int8 and float8 columns.
var (
	intCols   = [numInts]string{"total", "count", "sum", "min", "max"}
	floatCols = [numFloats]string{"value", "mean", "stddev", "p50", "p75", "p95", "p99", "p999",
		"rate1", "rate5", "rate15", "rate_mean"}
)
