package tsdb

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// asciiAllowed marks the bytes that are by themselves a character
// OpenTSDB takes in names, tag keys and tag values: a-z A-Z 0-9 - _ . /
// Bytes of multi-byte UTF-8 sequences are false and take the slow way.
var asciiAllowed = func() (t [256]bool) {
	for c := range utf8.RuneSelf {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '/'
	}
	return t
}()

// letterAllowed reports whether OpenTSDB takes the non-ASCII rune r. It
// tests each Java char with Character.isLetter, so a letter outside the
// Basic Multilingual Plane (two surrogate chars, neither a letter) is
// refused. Java and Go may know different Unicode versions; letters added to
// Unicode recently may be refused by an old JVM.
func letterAllowed(r rune) bool {
	return r <= 0xFFFF && unicode.IsLetter(r)
}

// firstInvalid returns the index of the first byte of s that starts a
// character OpenTSDB refuses, or -1.
func firstInvalid(s string) int {
	for i := 0; i < len(s); i++ {
		if !asciiAllowed[s[i]] {
			if s[i] < utf8.RuneSelf {
				return i
			}
			return firstInvalidFrom(s, i)
		}
	}
	return -1
}

// firstInvalidFrom is firstInvalid from s[i:], which starts a multi-byte
// sequence.
func firstInvalidFrom(s string, i int) int {
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if !asciiAllowed[c] {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || !letterAllowed(r) {
			return i
		}
		i += size
	}
	return -1
}

// Sanitize replaces every character outside OpenTSDB's set (ASCII letters
// and digits, '-', '_', '.', '/', and Unicode letters of the Basic
// Multilingual Plane) with '_': one '_' per character, or per byte of
// invalid UTF-8. It returns s itself, without allocating, when s is already
// valid. The result is never longer than s and Sanitize(Sanitize(s)) ==
// Sanitize(s). Spaces, '=', quotes and line breaks all become '_', so no
// sanitized string can split a telnet line or forge a tag.
func Sanitize(s string) string {
	i := firstInvalid(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if asciiAllowed[c] {
				b.WriteByte(c)
			} else {
				b.WriteByte('_')
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || !letterAllowed(r) {
			b.WriteByte('_')
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// appendSanitized appends Sanitize(s) to dst without an intermediate string.
func appendSanitized(dst []byte, s string) []byte {
	i := firstInvalid(s)
	if i < 0 {
		return append(dst, s...)
	}
	dst = append(dst, s[:i]...)
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if !asciiAllowed[c] {
				c = '_'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || !letterAllowed(r) {
			dst = append(dst, '_')
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}
