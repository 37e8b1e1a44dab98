package livepage

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// The page's JSON is written by hand: a whole history is hundreds of
// thousands of numbers, which encoding/json would take as many
// interface values and reflect on one by one.

// appendNumber appends v as a JSON number of 6 significant digits, or
// null when JSON cannot hold it. Integers and magnitudes of 10^5 or more
// are written as integers, without an exponent: 20123457, not 2.01235e+07;
// magnitudes from 10^-4 are written without an exponent either.
func appendNumber(b []byte, v float64) []byte {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return append(b, "null"...)
	case a < 1e15 && (a >= 1e5 || v == math.Trunc(v)):
		return strconv.AppendInt(b, int64(math.Round(v)), 10)
	case a < 1e-4 || a >= 1e5:
		return strconv.AppendFloat(b, v, 'g', 6, 64)
	}
	return appendDecimal(b, v, 6)
}

// appendQuantile appends v as a JSON number of 4 significant digits, which
// is more than a quantile's 1% holds, or null when JSON cannot hold it.
// Magnitudes of 10^4 or more are written as 4 digits and an exponent,
// 2012e4 for 20123457 ns: p50 and p99 are most of a State's numbers.
func appendQuantile(b []byte, v float64) []byte {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return append(b, "null"...)
	case a == 0:
		return append(b, '0')
	case a < 1e-4 || a >= 1e18:
		return strconv.AppendFloat(b, v, 'g', 4, 64)
	case a < 1e4:
		return appendDecimal(b, v, 4)
	}
	e := 4 // 10^e <= a < 10^(e+1)
	for a >= pow10[e+1+4] {
		e++
	}
	digits := int64(math.Round(a / pow10[e-3+4]))
	if digits >= 1e4 { // rounded up to the next power of ten
		digits /= 10
		e++
	}
	exp := e - 3
	for digits%10 == 0 {
		digits /= 10
		exp++
	}
	if v < 0 {
		b = append(b, '-')
	}
	b = strconv.AppendInt(b, digits, 10)
	b = append(b, 'e')
	return strconv.AppendInt(b, int64(exp), 10)
}

// appendDecimal appends v, of magnitude from 10^-4 to below 10^sig, with
// sig significant digits and no exponent, without trailing zeros.
func appendDecimal(b []byte, v float64, sig int) []byte {
	a := math.Abs(v)
	e := sig - 1 // 10^e <= a < 10^(e+1), e >= -4
	for e > -4 && a < pow10[e+4] {
		e--
	}
	decimals := sig - 1 - e
	digits := int64(math.Round(a * pow10[decimals+4]))
	if digits >= int64(pow10[sig+4]) && decimals > 0 { // rounded up to the next power of ten
		digits /= 10
		decimals--
	}
	if v < 0 {
		b = append(b, '-')
	}
	scale := int64(pow10[decimals+4])
	b = strconv.AppendInt(b, digits/scale, 10)
	frac := digits % scale
	if frac == 0 {
		return b
	}
	for frac%10 == 0 {
		frac /= 10
		decimals--
	}
	b = append(b, '.')
	for d := int64(pow10[decimals+3]); d > frac; d /= 10 { // leading zeros
		b = append(b, '0')
	}
	return strconv.AppendInt(b, frac, 10)
}

// pow10[i] is 10^(i-4).
var pow10 = func() (p [4 + 19]float64) {
	for i := range p {
		p[i] = math.Pow10(i - 4)
	}
	return p
}()

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD;
// control characters and <, >, & are escaped, so that the JSON is inert
// whatever page shows it.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, `\u202`...)
			b = append(b, hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// appendKey appends "key": after a comma unless first.
func appendKey(b []byte, key string, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}
