package tsdb

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends p as one /api/put data point,
//
//	{"metric":"sys.cpu","timestamp":1700000000000,"value":42,"tags":{"host":"a"}}
//
// with the timestamp in Unix milliseconds. Strings are written as given,
// JSON-escaped (Flatten's are already sanitized); invalid UTF-8 becomes
// U+FFFD. The result is always valid JSON: a NaN or infinite value, which
// Flatten never makes, is written as null.
func AppendJSON(dst []byte, p Point) []byte {
	dst = append(dst, `{"metric":`...)
	dst = appendJSONString(dst, p.Metric)
	dst = append(dst, `,"timestamp":`...)
	dst = strconv.AppendInt(dst, p.Time.UnixMilli(), 10)
	dst = append(dst, `,"value":`...)
	if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
		dst = append(dst, "null"...)
	} else {
		dst = appendValue(dst, p.Value)
	}
	dst = append(dst, `,"tags":{`...)
	for i, t := range p.Tags {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, t.Key)
		dst = append(dst, ':')
		dst = appendJSONString(dst, t.Value)
	}
	return append(dst, "}}"...)
}

const hexDigits = "0123456789abcdef"

// jsonSafe marks the ASCII bytes written unescaped inside a JSON string.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := range utf8.RuneSelf {
		t[c] = c >= 0x20 && c != '"' && c != '\\'
	}
	return t
}()

// appendJSONString appends s as a quoted JSON string: '"', '\\' and control
// characters escaped, U+2028 and U+2029 escaped for JavaScript's sake,
// invalid UTF-8 replaced by U+FFFD, every other character (Unicode letters
// included) as is.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0 // s[start:i] is pending, safe to copy as is
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
