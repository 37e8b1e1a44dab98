package livepage

import "math"

// The history keeps a histogram's or timer's numbers in 16 bits each.
//
// A quantile is kept on a logarithmic scale: a distribution's quantiles
// are within 1% of the values anyway, and 2 bytes instead of a float32's 4
// is much of what keeps the history small.
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

// quantileFraction[i] is 2^(i/512): decoding a State's hundreds of
// thousands of quantiles with math.Exp2 took a third of its time.
var quantileFraction = func() (f [quantileSteps]float64) {
	for i := range f {
		f[i] = math.Exp2(float64(i) / quantileSteps)
	}
	return f
}()

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
	m := int(c&quantileMaxMag) - 2
	v := math.Ldexp(quantileFraction[m%quantileSteps], m/quantileSteps)
	if c&quantileSign != 0 {
		v = -v
	}
	return v, true
}

// An interval's count of a histogram or timer is kept in 16 bits too:
// exactly up to 32,766, so that the rates of most series are exact, and on
// a logarithmic scale above, within 0.02%, up to 2^31 (a larger count
// reads as 2^31).
//
//	0x0000-0x7ffe   the count
//	0x7fff          no value
//	0x8000 | m      2^(15 + m/2048)
const (
	countNull    = 0x7fff
	countLog     = 0x8000
	countSteps   = 2048 // per factor of two
	countExact   = countNull - 1
	countLogBase = 15
	countMaxLog  = 0x7fff
)

// encodeCount returns the code of the count c >= 0.
func encodeCount(c int64) uint16 {
	if c <= countExact {
		return uint16(max(c, 0))
	}
	m := math.Round(countSteps * (math.Log2(float64(c)) - countLogBase))
	return countLog | uint16(min(m, countMaxLog))
}

// decodeCount returns the count of code c, and false for the null code.
func decodeCount(c uint16) (float64, bool) {
	switch {
	case c == countNull:
		return 0, false
	case c&countLog == 0:
		return float64(c), true
	}
	return math.Exp2(countLogBase + float64(c&^countLog)/countSteps), true
}
