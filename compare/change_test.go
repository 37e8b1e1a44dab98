package compare

import (
	"math"
	"testing"
)

// near reports whether got is within 1e-9 (relative) of want.
func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

// TestChangeVerdicts: a change is flagged only when both significant and
// large enough, and its verdict follows the field's direction.
func TestChangeVerdicts(t *testing.T) {
	t.Parallel()
	ten := []float64{10, 11, 9, 10, 12, 10, 9, 11, 10, 10}
	times := func(xs []float64, k float64) []float64 {
		out := make([]float64, len(xs))
		for i, x := range xs {
			out[i] = x * k
		}
		return out
	}
	j := Judge{}.withDefaults()
	for _, tc := range []struct {
		name          string
		d             Direction
		before, after []float64
		verdict       Verdict
		effect        float64
	}{
		{"doubled latency", WorseWhenHigher, ten, times(ten, 2), Worse, 1},
		{"halved latency", WorseWhenHigher, ten, times(ten, 0.5), Better, -0.5},
		{"throughput -20%", WorseWhenLower, ten, times(ten, 0.8), Worse, -0.2},
		{"throughput +20%", WorseWhenLower, ten, times(ten, 1.2), Better, 0.2},
		{"either way", WorseEitherWay, ten, times(ten, 1.2), Worse, 0.2},
		// Significant (every after value above every before value) but
		// only +5%: not flagged.
		{"small", WorseWhenHigher, ten, times(ten, 1.05), Unchanged, 0.05},
		// Large (+30% at the median) but within the noise.
		{"noisy", WorseWhenHigher, []float64{10, 30, 5, 20}, []float64{13, 2, 40, 26}, Unchanged, math.NaN()},
		{"one interval", WorseWhenHigher, []float64{10}, []float64{20, 20}, Untested, math.NaN()},
		{"not judged", 0, ten, times(ten, 2), Untested, math.NaN()},
	} {
		c := change(j, tc.d, 10, 20, tc.before, tc.after)
		if c.Verdict != tc.verdict || c.Significant != (tc.verdict == Worse || tc.verdict == Better) ||
			!math.IsNaN(tc.effect) && math.Abs(c.Effect-tc.effect) > 1e-9 {
			t.Errorf("%s: %+v; want verdict %v, effect %v", tc.name, c, tc.verdict, tc.effect)
		}
		if tested := tc.verdict != Untested; tested == math.IsNaN(c.PValue) {
			t.Errorf("%s: p-value %v", tc.name, c.PValue)
		}
	}
	if c := change(j, WorseWhenHigher, 100, 150, nil, nil); c.Abs != 50 || c.Rel != 0.5 {
		t.Errorf("change 100 -> 150: %+v", c)
	}
	if c := change(j, WorseWhenHigher, 0, 5, nil, nil); c.Abs != 5 || c.Rel != 0 {
		t.Errorf("change 0 -> 5: %+v, want no relative change", c)
	}
	// From nothing: the effect is relative to where it went.
	if c := change(j, WorseWhenHigher, 0, 5, []float64{0, 0, 0, 0, 0}, []float64{5, 5, 6, 4, 5}); c.Verdict != Worse || c.Effect != 1 {
		t.Errorf("0 -> 5 per interval: %+v, want worse, +100%%", c)
	}
}

// TestThresholds: a looser alpha or a smaller effect threshold flags what
// the defaults do not.
func TestThresholds(t *testing.T) {
	t.Parallel()
	before, after := []float64{10, 11, 12, 13}, []float64{12, 13, 14, 15} // p = 0.2, effect +18%
	if c := change(Judge{}.withDefaults(), WorseWhenHigher, 0, 0, before, after); c.Verdict != Unchanged {
		t.Errorf("defaults: %+v", c)
	}
	if c := change(Judge{Alpha: 0.25}.withDefaults(), WorseWhenHigher, 0, 0, before, after); c.Verdict != Worse {
		t.Errorf("alpha 0.25: %+v", c)
	}
	if c := change(Judge{Alpha: 0.25, MinEffect: 0.2}.withDefaults(), WorseWhenHigher, 0, 0, before, after); c.Verdict != Unchanged {
		t.Errorf("alpha 0.25, min effect 20%%: %+v", c)
	}
}

func TestWorseWhen(t *testing.T) {
	t.Parallel()
	j := Judge{WorseWhen: map[Field]Direction{FieldP99: WorseEitherWay}}
	for _, tc := range []struct {
		f      Field
		metric string
		want   Direction
	}{
		{FieldCount, "query.latency", 0},
		{FieldRate, "query.latency", WorseWhenLower},
		{FieldP50, "query.latency", WorseWhenHigher},
		{FieldMax, "batch.size", WorseWhenHigher},
		{FieldP99, "query.latency", WorseEitherWay},
		{FieldRate, "errors", WorseWhenHigher},
		{FieldRate, "http.server.errors", WorseWhenHigher},
		{FieldRate, "jobs.failed", WorseWhenHigher},
		{FieldRate, "queue_dropped", WorseWhenHigher},
		{FieldRate, "rpc.timeouts", WorseWhenHigher},
		{FieldRate, "retries", WorseWhenHigher},
		{FieldRate, "terrors.done", WorseWhenLower},
		{FieldRate, "dropbox.uploads", WorseWhenLower},
	} {
		if got := j.worseWhen(tc.f, tc.metric); got != tc.want {
			t.Errorf("worseWhen(%s, %q) = %v, want %v", tc.f, tc.metric, got, tc.want)
		}
	}
	for _, s := range []string{"higher", "lower", "either"} {
		if d, err := ParseDirection(s); err != nil || d.String() != s {
			t.Errorf("ParseDirection(%q) = %v, %v", s, d, err)
		}
	}
	if _, err := ParseDirection("up"); err == nil {
		t.Error("ParseDirection(up) accepted it")
	}
}

func TestJudgeValidate(t *testing.T) {
	t.Parallel()
	for _, j := range []Judge{
		{Alpha: 1}, {Alpha: -0.1}, {Alpha: math.NaN()}, {MinEffect: -1}, {MinEffect: math.Inf(1)},
		{WorseWhen: map[Field]Direction{FieldCount: WorseWhenHigher}},
		{WorseWhen: map[Field]Direction{"p42": WorseWhenHigher}},
		{WorseWhen: map[Field]Direction{FieldP50: 7}},
	} {
		if err := j.validate(); err == nil {
			t.Errorf("%+v: valid", j)
		}
	}
	if err := (Judge{Alpha: 0.05, MinEffect: 0.2, WorseWhen: map[Field]Direction{FieldRate: WorseWhenHigher}}).validate(); err != nil {
		t.Error(err)
	}
}
