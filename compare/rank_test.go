package compare

import (
	"math"
	"testing"
)

func TestRank(t *testing.T) {
	t.Parallel()
	ch := func(d Direction, effect float64, v Verdict) Change {
		return Change{WorseWhen: d, Effect: effect, PValue: 0.001, Verdict: v}
	}
	untested := Change{PValue: math.NaN(), Effect: math.NaN()}
	a := &Comparison{Series: []Line{
		{Changes: map[Field]Change{FieldCount: untested, FieldRate: ch(WorseWhenLower, -0.2, Worse), FieldP50: ch(WorseWhenHigher, 0.5, Worse)}},
		{Changes: map[Field]Change{FieldRate: ch(WorseWhenLower, 0.3, Better), FieldP50: ch(WorseWhenHigher, 0.05, Unchanged)}},
	}}
	b := &Comparison{Series: []Line{
		{Changes: map[Field]Change{FieldCount: untested}},
		{Changes: map[Field]Change{FieldP99: ch(WorseWhenHigher, 0.3, Worse), FieldMax: ch(WorseWhenHigher, 0.9, Unchanged)}},
		{Changes: map[Field]Change{FieldP99: ch(WorseEitherWay, -0.08, Unchanged)}},
	}}
	if !a.Regressed() || !b.Regressed() || (&Comparison{Series: a.Series[1:]}).Regressed() {
		t.Error("Regressed")
	}
	got := Rank([]*Comparison{a, b})
	want := []struct {
		c     *Comparison
		line  int
		field Field
	}{{a, 0, FieldP50}, {b, 1, FieldP99}, {b, 2, FieldP99}, {a, 1, FieldP50}, {b, 0, ""}}
	if len(got) != len(want) {
		t.Fatalf("%d ranked lines, want %d", len(got), len(want))
	}
	for i, w := range want {
		if g := got[i]; g.Comparison != w.c || g.Line != w.line || g.Field != w.field {
			t.Errorf("rank %d: line %d, field %q; want line %d, %q", i, g.Line, g.Field, w.line, w.field)
		}
	}
}

func TestMinPValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		m, n int
		want float64
	}{{5, 5, 2.0 / 252}, {10, 10, 2.0 / 184756}, {1, 1, 1}, {0, 4, 1}, {6, 6, 2.0 / 924}} {
		if got := MinPValue(tc.m, tc.n); math.Abs(got-tc.want) > 1e-9*tc.want {
			t.Errorf("MinPValue(%d, %d) = %v, want %v", tc.m, tc.n, got, tc.want)
		}
		if tc.m > 0 && tc.n > 0 && tc.m+tc.n <= exactLimit {
			x, y := make([]float64, tc.m), make([]float64, tc.n)
			for i := range x {
				x[i] = float64(i)
			}
			for i := range y {
				y[i] = float64(100 + i)
			}
			if p := mannWhitney(x, y); math.Abs(p-MinPValue(tc.m, tc.n)) > 1e-9 {
				t.Errorf("mannWhitney of separated samples of %d and %d = %v, MinPValue %v", tc.m, tc.n, p, MinPValue(tc.m, tc.n))
			}
		}
	}
}
