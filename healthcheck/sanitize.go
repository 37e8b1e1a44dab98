package healthcheck

import (
	"strings"
	"unicode/utf8"
)

// maxField is the most bytes of a check name, a check value or a part of the
// header line that a report holds.
const maxField = 200

// ellipsis marks a field that was cut to maxField.
const ellipsis = "…"

// sanitize makes s safe for one field of a report line: a reader of the
// text report must see exactly one line per check, whatever a check
// returns, and a terminal must not interpret any of it. Line and tab
// controls (\t \n \v \f \r, NEL, U+2028, U+2029) become spaces; every other
// control character (ESC included, so no ANSI escape sequence survives) and
// the bidirectional formatting characters become '?'; invalid UTF-8 becomes
// U+FFFD. The result is trimmed of spaces and cut, on a character boundary,
// to at most limit bytes, ending in "…" when cut. sanitize is idempotent.
func sanitize(s string, limit int) string {
	if isClean(s, limit) {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), limit+len(ellipsis)))
	for _, r := range s { // an invalid byte arrives as utf8.RuneError
		b.WriteRune(replacement(r))
	}
	out := strings.TrimSpace(b.String())
	if len(out) <= limit {
		return out
	}
	cut := limit - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(out[cut]) {
		cut--
	}
	return strings.TrimSpace(out[:cut]) + ellipsis
}

// isClean reports whether sanitize would return s unchanged: the common
// case of short printable ASCII, without allocating.
func isClean(s string, limit int) bool {
	if len(s) > limit || (len(s) > 0 && (s[0] == ' ' || s[len(s)-1] == ' ')) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// replacement returns what sanitize writes for r.
func replacement(r rune) rune {
	switch {
	case r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r' ||
		r == 0x85 || r == 0x2028 || r == 0x2029:
		return ' '
	case r < 0x20 || (r >= 0x7f && r < 0xa0): // C0, DEL and C1 (CSI 0x9b included)
		return '?'
	case r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
		return '?' // bidirectional marks, embeddings, overrides and isolates
	}
	return r // utf8.RuneError stays, standing for the invalid byte
}
