package tsdb

import (
	"testing"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"sys.cpu.user", "sys.cpu.user"},
		{"a-z_A-Z/0-9.", "a-z_A-Z/0-9."},
		{"web 01", "web_01"},
		{"k=v", "k_v"},
		{`"quoted"`, "_quoted_"},
		{"x\nput evil 1 1 a=b", "x_put_evil_1_1_a_b"},
		{"tab\there\r", "tab_here_"},
		{"a:b,c;d{e}f(g)h[i]j#k%l*m+n~o", "a_b_c_d_e_f_g_h_i_j_k_l_m_n_o"},
		{"größe", "größe"},
		{"ключ", "ключ"},
		{"名前", "名前"},
		{"𝐀bc", "_bc"},         // a letter outside the BMP: two Java chars, neither a letter
		{"😀", "_"},             // one rune, one '_'
		{"½°€", "___"},         // not letters
		{"\xff\xfeok", "__ok"}, // each invalid byte
		{"\xe2\x82", "__"},     // a truncated sequence: two invalid bytes
		{"\uFFFD", "_"},
		{"x\u00a0y", "x_y"}, // no-break space
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := string(appendSanitized([]byte("pre"), tt.in)); got != "pre"+tt.want {
			t.Errorf("appendSanitized(%q) = %q, want %q", tt.in, got, "pre"+tt.want)
		}
	}
}

func TestSanitizeValidIsFree(t *testing.T) {
	for _, s := range []string{"sys.cpu.user", "größe/ключ-名前_0.9"} {
		if got := Sanitize(s); unsafe.StringData(got) != unsafe.StringData(s) {
			t.Errorf("Sanitize(%q) copied a valid string", s)
		}
		if n := testing.AllocsPerRun(100, func() { _ = Sanitize(s) }); n != 0 {
			t.Errorf("Sanitize(%q): %v allocations", s, n)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = Sanitize("web 01.example.com") }); n != 1 {
		t.Errorf("Sanitize of an invalid string: %v allocations, want 1", n)
	}
}

// checkSanitized checks Sanitize's promises for one input.
func checkSanitized(t *testing.T, in string) {
	t.Helper()
	out := Sanitize(in)
	if !utf8.ValidString(out) {
		t.Fatalf("Sanitize(%q) = %q: invalid UTF-8", in, out)
	}
	for _, r := range out {
		ascii := r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '-' || r == '_' || r == '.' || r == '/')
		if !ascii && !(r > unicode.MaxASCII && r <= 0xFFFF && unicode.IsLetter(r)) {
			t.Fatalf("Sanitize(%q) = %q: has %q", in, out, r)
		}
	}
	if again := Sanitize(out); again != out {
		t.Fatalf("Sanitize is not idempotent: %q -> %q -> %q", in, out, again)
	}
	if len(out) > len(in) || utf8.RuneCountInString(out) != utf8.RuneCountInString(in) {
		t.Fatalf("Sanitize(%q) = %q: not one character per character", in, out)
	}
	if (firstInvalid(in) < 0) != (out == in) {
		t.Fatalf("Sanitize(%q) = %q, but firstInvalid says %d", in, out, firstInvalid(in))
	}
	if got := string(appendSanitized(nil, in)); got != out {
		t.Fatalf("appendSanitized(%q) = %q, Sanitize = %q", in, got, out)
	}
	// Everything kept is in place: only refused characters changed.
	o := []rune(out)
	i := 0
	for _, r := range in {
		if o[i] != r && o[i] != '_' {
			t.Fatalf("Sanitize(%q) = %q: character %d changed to %q", in, out, i, o[i])
		}
		i++
	}
}
