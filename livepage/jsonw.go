package livepage

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// The page's JSON is written by hand: a whole history is hundreds of
// thousands of numbers, which encoding/json would take as many
// interface values and reflect on one by one.

// appendNumber appends v as a JSON number of about 6 significant digits,
// or null when JSON cannot hold it. Integers and magnitudes of 10^5 or more
// are written as integers, without an exponent: 20123457, not 2.01235e+07.
func appendNumber(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	if a := math.Abs(v); a < 1e15 && (a >= 1e5 || v == math.Trunc(v)) {
		return strconv.AppendInt(b, int64(math.Round(v)), 10)
	}
	return strconv.AppendFloat(b, v, 'g', 6, 64)
}

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
