package healthcheck

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	long := strings.Repeat("é", 150) // 300 bytes
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"In Q", "In Q"},
		{"  padded\t", "padded"},
		{"a\nb\r\nc", "a b  c"},
		{"tab\there", "tab here"},
		{"\x1b[31mred\x1b[0m", "?[31mred?[0m"},
		{"csi \u009b31m", "csi ?31m"},
		{"nul\x00del\x7f", "nul?del?"},
		{"bad \xff\xfe utf8", "bad \ufffd\ufffd utf8"},
		{"cut \xe2\x82", "cut \ufffd\ufffd"},
		{"ls\u2028ps\u2029nel\u0085", "ls ps nel"},
		{"bidi \u202eevil\u2066", "bidi ?evil?"},
		{"ünïcødé ✓", "ünïcødé ✓"},
		{long, strings.Repeat("é", 98) + ellipsis}, // 196 + 3 bytes
		{strings.Repeat("x", maxField), strings.Repeat("x", maxField)},
		{strings.Repeat("x", maxField+1), strings.Repeat("x", maxField-3) + ellipsis},
	} {
		if got := sanitize(tc.in, maxField); got != tc.want {
			t.Errorf("sanitize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSanitizeCleanDoesNotAllocate(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { sanitize("812 (warn > 500)", maxField) }); n != 0 {
		t.Errorf("sanitize of clean text allocates %v times", n)
	}
}

// FuzzSanitize checks what the text report relies on: whatever the input,
// the result is one line of valid, printable UTF-8 of at most maxField
// bytes, and sanitizing it again changes nothing.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"", "ok", "a\nb", "\x1b[2J", "\xff", strings.Repeat("é", 120), " \u2028 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := sanitize(in, maxField)
		if len(out) > maxField {
			t.Fatalf("sanitize(%q) is %d bytes", in, len(out))
		}
		if !utf8.ValidString(out) {
			t.Fatalf("sanitize(%q) = %q is not valid UTF-8", in, out)
		}
		for _, r := range out {
			if unicode.IsControl(r) || r == 0x2028 || r == 0x2029 || r == 0x202e {
				t.Fatalf("sanitize(%q) = %q holds %U", in, out, r)
			}
		}
		if again := sanitize(out, maxField); again != out {
			t.Fatalf("sanitize is not idempotent: %q -> %q -> %q", in, out, again)
		}
	})
}
