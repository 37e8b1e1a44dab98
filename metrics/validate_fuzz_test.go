package metrics_test

import (
	"errors"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vitals-go/vitals/metrics"
)

// registerFuncs are the registry's get-or-register methods that return an
// error, each returning its handle as an any so that handles can be
// compared. Gauges are given a value, without which they are not exported.
var registerFuncs = []struct {
	kind     metrics.Kind
	register func(r *metrics.Registry, name string, tags metrics.Tags) (any, error)
}{
	{metrics.KindCounter, func(r *metrics.Registry, n string, t metrics.Tags) (any, error) { return r.CounterE(n, t) }},
	{metrics.KindGauge, func(r *metrics.Registry, n string, t metrics.Tags) (any, error) {
		g, err := r.GaugeE(n, t)
		g.Update(1) // a gauge is exported once it has a value
		return g, err
	}},
	{metrics.KindGaugeFloat64, func(r *metrics.Registry, n string, t metrics.Tags) (any, error) {
		g, err := r.GaugeFloat64E(n, t)
		g.Update(1.5)
		return g, err
	}},
	{metrics.KindMeter, func(r *metrics.Registry, n string, t metrics.Tags) (any, error) { return r.MeterE(n, t) }},
	{metrics.KindHistogram, func(r *metrics.Registry, n string, t metrics.Tags) (any, error) { return r.HistogramE(n, t) }},
	{metrics.KindTimer, func(r *metrics.Registry, n string, t metrics.Tags) (any, error) { return r.TimerE(n, t) }},
	{metrics.KindGauge, func(r *metrics.Registry, n string, t metrics.Tags) (any, error) {
		return r.FunctionalGaugeE(n, t, func() int64 { return 1 })
	}},
	{metrics.KindGaugeFloat64, func(r *metrics.Registry, n string, t metrics.Tags) (any, error) {
		return r.FunctionalGaugeFloat64E(n, t, func() float64 { return 1.5 })
	}},
}

// maxLen is the documented limit, in bytes, of names, tag keys and tag
// values.
const maxLen = 255

// documentedName reports whether s may be a series name or a tag key by the
// rules of the package documentation: 1 to 255 bytes of valid UTF-8, each
// character an ASCII letter or digit, '-', '_', '.', '/', or a Unicode
// letter. It is written from the documentation, independently of the code
// it checks.
func documentedName(s string) bool {
	if s == "" || len(s) > maxLen || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		ascii := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '-' || r == '_' || r == '.' || r == '/'
		if !ascii && !(r > unicode.MaxASCII && unicode.IsLetter(r)) {
			return false
		}
	}
	return true
}

// documentedValue reports whether s may be a tag value by the documented
// rules: 1 to 255 bytes of valid UTF-8 without control characters. Any
// other text, spaces, quotes and U+FFFD included, is kept as it is.
func documentedValue(s string) bool {
	if s == "" || len(s) > maxLen || !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, unicode.IsControl)
}

// FuzzValidateNameAndTags registers arbitrary names and tags through the
// public Registry API and checks the registry's promises: it never panics;
// it accepts exactly what the documentation allows; a refusal is a
// one-line *RegistrationError wrapping ErrInvalid that registers nothing
// and is counted; an accepted series is exported under exactly its name and
// sorted tags, and the same lookup finds the same handle again.
func FuzzValidateNameAndTags(f *testing.F) {
	long := strings.Repeat("a", maxLen)
	for _, seed := range []struct {
		name, k1, v1, k2, v2 string
		shape                uint8
	}{
		{"query.latency", "stage", "plan", "host", "web01", 0x15},
		{"", "", "", "", "", 0x10},
		{" ", " ", " ", "k", "a b", 0x11},
		{"x\nput evil 1 1 a=b", "k", "v", "k2", "v", 0x12},
		{"x", "k", "x\nput evil 1 1 a=b", "k2", "v", 0x13},
		{"x", "k\n", "v", "k2", "v", 0x0c},
		{"nul\x00", "k\x00", "v\x00", "k2", "\x00", 0x15},
		{long, long, long, "k", long + "a", 0x16},
		{long + "a", "k", "v", "k2", "v", 0x07},
		{"größe/ключ.名前", "schlüssel", "wert 日本語 😀", "ключ", `GET /api "users" \ o'k`, 0x10},
		{"😀", "k", "v", "k", "v", 0x08},
		{"x", "\xff", "\xfe", "k", "\xe2\x82", 0x10},
		{"x", "k", "\uFFFD", "k2", "U+FFFD is printable", 0x11},
		{"\uFFFD", "k", "v", "k2", "v", 0x12},
		{"x", "k", "\u2028 \u202e \u200b \u00a0", "k2", "\x7f", 0x13},
		{"x", "k", "\u0085", "k2", "\r", 0x14},
		{"a=b", "a=b", "c=d e=f", "k2", "v", 0x15},
	} {
		f.Add(seed.name, seed.k1, seed.v1, seed.k2, seed.v2, seed.shape)
	}
	discard := metrics.WithLogger(slog.New(slog.DiscardHandler))
	f.Fuzz(func(t *testing.T, name, k1, v1, k2, v2 string, shape uint8) {
		// The low 3 bits choose the method, the next 2 how many tags.
		reg := registerFuncs[shape&7]
		var tags metrics.Tags
		switch (shape >> 3) & 3 {
		case 1:
			tags = metrics.Tags{k1: v1}
		case 2, 3:
			tags = metrics.Tags{k1: v1, k2: v2}
		}
		want := documentedName(name)
		for k, v := range tags {
			want = want && documentedName(k) && documentedValue(v)
		}
		checkValidators(t, name, tags, want)

		r := metrics.NewRegistry(discard)
		h, err := reg.register(r, name, tags)
		if h == nil {
			t.Fatalf("%q %q: nil handle", name, tags)
		}
		exported := r.Peek().Series
		if err != nil {
			checkRefused(t, r, name, tags, err, exported)
			if want {
				t.Fatalf("%q %q: refused, but the documentation allows it: %v", name, tags, err)
			}
			// The same input is refused again, and still nothing is registered.
			if _, err := reg.register(r, name, maps.Clone(tags)); !errors.Is(err, metrics.ErrInvalid) {
				t.Fatalf("%q %q: refused once, then %v", name, tags, err)
			}
			if n := r.Len(); n != 0 {
				t.Fatalf("%q %q: refused twice, but Len = %d", name, tags, n)
			}
			return
		}
		if !want {
			t.Fatalf("%q %q: accepted, but the documentation refuses it", name, tags)
		}
		checkAccepted(t, r, reg.kind, name, tags, exported)
		if again, err := reg.register(r, name, maps.Clone(tags)); err != nil || again != h {
			t.Fatalf("%q %q: the same lookup gave another handle (%v)", name, tags, err)
		}
		if n := r.Len(); n != 1 {
			t.Fatalf("%q %q: registered twice, Len = %d", name, tags, n)
		}
	})
}

// checkValidators checks that ValidateName and ValidateTag accept exactly
// what registration accepts, and say why they refuse in one line, with an
// error wrapping ErrInvalid.
func checkValidators(t *testing.T, name string, tags metrics.Tags, want bool) {
	t.Helper()
	errs := []error{metrics.ValidateName(name)}
	for k, v := range tags {
		errs = append(errs, metrics.ValidateTag(k, v))
	}
	accepted := true
	for _, err := range errs {
		if err == nil {
			continue
		}
		accepted = false
		if msg := err.Error(); !errors.Is(err, metrics.ErrInvalid) || strings.ContainsAny(msg, "\n\r") || !utf8.ValidString(msg) {
			t.Fatalf("%q %q: validator error %q does not wrap ErrInvalid on one line of UTF-8", name, tags, msg)
		}
	}
	if accepted != want {
		t.Fatalf("%q %q: the validators accept it: %v; the documentation: %v (%v)", name, tags, accepted, want, errs)
	}
}

// checkRefused checks a refused registration: its error, that the registry
// holds and exports nothing, and that the refusal was counted.
func checkRefused(t *testing.T, r *metrics.Registry, name string, tags metrics.Tags, err error, exported []metrics.Series) {
	t.Helper()
	var re *metrics.RegistrationError
	if !errors.As(err, &re) || !errors.Is(err, metrics.ErrInvalid) || re.Detail == "" {
		t.Fatalf("%q %q: error %v is not a RegistrationError wrapping ErrInvalid", name, tags, err)
	}
	if re.Name != name {
		t.Fatalf("%q: RegistrationError.Name = %q", name, re.Name)
	}
	if msg := err.Error(); strings.ContainsAny(msg, "\n\r") || !utf8.ValidString(msg) {
		t.Fatalf("%q %q: the error is not one line of UTF-8: %q", name, tags, msg)
	}
	if len(exported) != 0 || r.Len() != 0 {
		t.Fatalf("%q %q: refused, but %d series exported, Len = %d", name, tags, len(exported), r.Len())
	}
	got := r.Refused()
	if counts(got) != (metrics.Refusals{Invalid: 1}) {
		t.Fatalf("%q %q: Refused() = %+v, want one Invalid", name, tags, got)
	}
	if !strings.Contains(got.Last, ": invalid name or tag: ") || strings.ContainsAny(got.Last, "\n\r") ||
		!utf8.ValidString(got.Last) || got.LastAt.IsZero() {
		t.Fatalf("%q %q: Refused().Last = %q at %v, want the refusal on one line of UTF-8", name, tags, got.Last, got.LastAt)
	}
}

// counts returns r without its Last and LastAt.
func counts(r metrics.Refusals) metrics.Refusals {
	r.Last, r.LastAt = "", time.Time{}
	return r
}

// checkAccepted checks that an accepted registration is the registry's one
// series, exported under exactly the name and tags it was given.
func checkAccepted(t *testing.T, r *metrics.Registry, kind metrics.Kind, name string, tags metrics.Tags, exported []metrics.Series) {
	t.Helper()
	if len(exported) != 1 || r.Len() != 1 {
		t.Fatalf("%q %q: accepted, but %d series exported, Len = %d", name, tags, len(exported), r.Len())
	}
	s := exported[0]
	if s.Name != name || s.Kind != kind {
		t.Fatalf("exported %s %q, want %s %q", s.Kind, s.Name, kind, name)
	}
	want := make([]metrics.Tag, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		want = append(want, metrics.Tag{Key: k, Value: tags[k]})
	}
	if !slices.Equal(s.Tags, want) {
		t.Fatalf("%q: exported tags %q, want %q", name, s.Tags, want)
	}
	if got := r.Refused(); got != (metrics.Refusals{}) {
		t.Fatalf("%q %q: accepted, but Refused() = %+v", name, tags, got)
	}
}
