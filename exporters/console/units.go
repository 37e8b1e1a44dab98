package console

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"time"
)

// unit says how the text format writes a series' values.
type unit uint8

const (
	unitNone     unit = iota // a plain number: 3 significant digits, whole from 1,000 up
	unitDuration             // nanoseconds, written in ns, µs, ms, s, min or h
	unitSeconds              // seconds, written as unitDuration
	unitBytes                // bytes, written in B, KiB, MiB, ...
	unitTime                 // seconds since the Unix epoch, written as a UTC time
)

// secondsGauge is the SDK's one series in seconds whose name does not say so.
const secondsGauge = "vitals.exporter.since_success"

// unitOf is the unit of a series' values: durations for timers, bytes for
// names ending in ".bytes" or "_bytes", seconds for names ending in
// ".seconds" or "_seconds" (and secondsGauge) except times since the epoch
// (".time.seconds", "_time_seconds", such as process.start.time.seconds),
// none otherwise. A timer's or
// histogram's count is always a plain number.
func unitOf(name string, timer bool) unit {
	switch {
	case timer:
		return unitDuration
	case strings.HasSuffix(name, ".bytes"), strings.HasSuffix(name, "_bytes"):
		return unitBytes
	case strings.HasSuffix(name, ".time.seconds"), strings.HasSuffix(name, "_time_seconds"):
		return unitTime
	case strings.HasSuffix(name, ".seconds"), strings.HasSuffix(name, "_seconds"), name == secondsGauge:
		return unitSeconds
	}
	return unitNone
}

// appendIn appends v in unit u.
func appendIn(dst []byte, v float64, u unit) []byte {
	switch u {
	case unitDuration:
		return appendDuration(dst, v)
	case unitSeconds:
		return appendDuration(dst, v*1e9)
	case unitBytes:
		return appendBytes(dst, v)
	case unitTime:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			break
		}
		sec, frac := math.Modf(v)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC().AppendFormat(dst, "2006-01-02T15:04:05Z")
	}
	return appendNumber(dst, v)
}

// appendNumber appends v with 3 significant digits below 1,000
// ("0.25", "5.3", "432"), as a whole number with thousands separators from
// there ("1,234"), and in exponent form when far out of the everyday range
// ("1.5e-05", "1.23e+18").
func appendNumber(dst []byte, v float64) []byte {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.AppendFloat(dst, v, 'g', -1, 64)
	case a == 0:
		return append(dst, '0')
	case a < 1e-3 || a >= 1e15:
		return strconv.AppendFloat(dst, v, 'g', 3, 64)
	}
	if a < 1000 {
		sign := dst
		if v < 0 {
			sign = append(dst, '-')
		}
		if out, ok := appendSig3(sign, a); ok {
			return out
		}
	}
	return appendGrouped(dst, int64(math.Round(v)))
}

// appendGrouped appends n with a ',' between groups of three digits.
func appendGrouped(dst []byte, n int64) []byte {
	var digits [24]byte
	s := strconv.AppendInt(digits[:0], n, 10)
	if n < 0 {
		dst = append(dst, '-')
		s = s[1:]
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, c)
	}
	return dst
}

// appendSig3 appends 0 < a < 1000 with 3 significant digits and no
// trailing zeros ("4.32", "0.25", "20"). It appends nothing and reports
// false when a rounds to 1000.
func appendSig3(dst []byte, a float64) ([]byte, bool) {
	decimals := max(0, 2-int(math.Floor(math.Log10(a))))
	var buf [24]byte
	s := strconv.AppendFloat(buf[:0], a, 'f', decimals, 64)
	whole := bytes.IndexByte(s, '.')
	if whole < 0 {
		whole = len(s)
	} else {
		s = bytes.TrimRight(bytes.TrimRight(s, "0"), ".")
	}
	if whole > 3 {
		return dst, false
	}
	return append(dst, s...), true
}

// durationUnits are the units appendDuration picks from, smallest first,
// with their size in nanoseconds. Each is used while the value is below
// the next one's size.
var durationUnits = [...]struct {
	name string
	ns   float64
}{
	{"ns", 1}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"min", 60e9}, {"h", 3600e9},
}

// appendDuration appends ns nanoseconds in the largest unit it fills, with 3
// significant digits: "850ns", "4.32ms", "1.5s", "2.5min", "26h".
func appendDuration(dst []byte, ns float64) []byte {
	a := math.Abs(ns)
	if a == 0 || math.IsNaN(ns) || math.IsInf(ns, 0) {
		return append(appendNumber(dst, ns), 's')
	}
	if ns < 0 {
		dst = append(dst, '-')
	}
	last := len(durationUnits) - 1
	for i, u := range durationUnits[:last] {
		if a >= durationUnits[i+1].ns {
			continue
		}
		// A value that rounds up to 1000 of its unit (999.9µs) goes on to
		// the next (1ms).
		if out, ok := appendSig3(dst, a/u.ns); ok {
			return append(out, u.name...)
		}
	}
	return append(appendNumber(dst, a/durationUnits[last].ns), durationUnits[last].name...)
}

// byteUnits are the binary units appendBytes picks from.
var byteUnits = [...]string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}

// appendBytes appends b bytes in the largest binary unit that keeps it at
// least 1, with 3 significant digits: "512B", "199KiB", "7.46MiB". A value
// that would round to 1000 or more of a unit is written in the next one
// ("0.98MiB" rather than "1000KiB").
func appendBytes(dst []byte, b float64) []byte {
	a := math.Abs(b)
	if a == 0 || math.IsNaN(b) || math.IsInf(b, 0) {
		return append(appendNumber(dst, b), 'B')
	}
	if b < 0 {
		dst = append(dst, '-')
	}
	for _, name := range byteUnits[:len(byteUnits)-1] {
		if a < 1000 {
			if out, ok := appendSig3(dst, a); ok {
				return append(out, name...)
			}
		}
		a /= 1024
	}
	return append(appendNumber(dst, a), byteUnits[len(byteUnits)-1]...)
}
