package livepage

import "math"

// A quantile is kept in 16 bits, on a logarithmic scale: a distribution's
// quantiles are within 1% of the values anyway, and 4 bytes per point for
// p50 and p99 instead of 16 is most of what keeps the history small.
//
//	0                  no value
//	1                  zero (|v| < 1; distributions hold integers)
//	2 + round(512·log2|v|), with bit 15 set when v < 0
//
// A decoded value is within 0.07% of the encoded one.
const (
	quantileNull   = 0
	quantileZero   = 1
	quantileSign   = 1 << 15
	quantileSteps  = 512 // per factor of two
	quantileMaxMag = quantileSign - 1
)

// encodeQuantile returns the code of v; NaN has the null code.
func encodeQuantile(v float64) uint16 {
	if math.IsNaN(v) {
		return quantileNull
	}
	var sign uint16
	if v < 0 {
		sign, v = quantileSign, -v
	}
	if v < 1 {
		return quantileZero
	}
	m := 2 + math.Round(quantileSteps*math.Log2(v))
	if m > quantileMaxMag {
		m = quantileMaxMag
	}
	return sign | uint16(m)
}

// decodeQuantile returns the value of code c, and false for the null code.
func decodeQuantile(c uint16) (float64, bool) {
	switch c {
	case quantileNull:
		return 0, false
	case quantileZero:
		return 0, true
	}
	v := math.Exp2(float64(c&quantileMaxMag-2) / quantileSteps)
	if c&quantileSign != 0 {
		v = -v
	}
	return v, true
}
