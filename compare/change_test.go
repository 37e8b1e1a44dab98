package compare

import (
	"math"
	"testing"
)

// near reports whether got is within 1e-9 (relative) of want.
func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

func TestChange(t *testing.T) {
	t.Parallel()
	noisy := []float64{90, 110, 90, 110} // s = 10
	for _, tc := range []struct {
		before, after float64
		noise         []float64
		want          Change
	}{
		{0, 0, nil, Change{}},
		{0, 5, nil, Change{Abs: 5, Significant: true}},
		{100, 104, nil, Change{Abs: 4, Rel: 0.04}},
		{100, 106, nil, Change{Abs: 6, Rel: 0.06, Significant: true}},
		{100, 94, []float64{1, 2}, Change{Abs: -6, Rel: -0.06, Significant: true}}, // 2 intervals: the 5% rule alone
		{100, 125, noisy, Change{Abs: 25, Rel: 0.25}},                              // within 3 s
		{100, 131, noisy, Change{Abs: 31, Rel: 0.31, Significant: true}},
		{100, 69, noisy, Change{Abs: -31, Rel: -0.31, Significant: true}},
	} {
		if got := change(tc.before, tc.after, tc.noise); !near(got.Abs, tc.want.Abs) || !near(got.Rel, tc.want.Rel) ||
			got.Significant != tc.want.Significant {
			t.Errorf("change(%v, %v, %v) = %+v, want %+v", tc.before, tc.after, tc.noise, got, tc.want)
		}
	}
}
