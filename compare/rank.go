package compare

import (
	"cmp"
	"math"
	"slices"
)

// Regressed reports whether a change of c is Worse: a regression beyond
// the thresholds of its Judge.
func (c *Comparison) Regressed() bool {
	for _, l := range c.Series {
		if _, ch := l.Worst(); ch.Verdict == Worse {
			return true
		}
	}
	return false
}

// Worst returns the field of l that changed most for the worse, and its
// change: of the Worse changes, the one of the largest effect; without
// any, the tested change of the largest effect in its bad direction (its
// Verdict says whether it is a regression). It returns "" and the zero
// Change when no field was tested.
func (l Line) Worst() (Field, Change) {
	var worst Field
	var wc Change
	for _, f := range histogramFields {
		c, ok := l.Changes[f]
		if !ok || c.Verdict == Untested {
			continue
		}
		if worst == "" || c.Verdict == Worse && wc.Verdict != Worse ||
			(c.Verdict == Worse) == (wc.Verdict == Worse) && c.badness() > wc.badness() {
			worst, wc = f, c
		}
	}
	return worst, wc
}

// badness is the effect of c in its bad direction: positive when worse.
func (c Change) badness() float64 {
	switch {
	case math.IsNaN(c.Effect):
		return math.Inf(-1)
	case c.WorseWhen == WorseWhenLower:
		return -c.Effect
	case c.WorseWhen == WorseEitherWay:
		return math.Abs(c.Effect)
	}
	return c.Effect
}

// Ranked is a line of a comparison, in the order of Rank.
type Ranked struct {
	Comparison *Comparison
	// Line is the index of the line in Comparison.Series.
	Line int
	// Field and Change are the line's worst field and its change (see
	// Line.Worst).
	Field  Field
	Change Change
}

// Rank returns every line of comparisons, the regressions first, largest
// effect first, then the other lines by the effect of their worst change
// in its bad direction, lines without a tested field last; ties keep the
// order of comparisons and their lines. It is the ranking of `vitals
// compare -all`, over the timers and histograms of a service.
func Rank(comparisons []*Comparison) []Ranked {
	var out []Ranked
	for _, c := range comparisons {
		for i, l := range c.Series {
			f, ch := l.Worst()
			out = append(out, Ranked{Comparison: c, Line: i, Field: f, Change: ch})
		}
	}
	slices.SortStableFunc(out, func(a, b Ranked) int {
		if aw, bw := a.Change.Verdict == Worse, b.Change.Verdict == Worse; aw != bw {
			if aw {
				return -1
			}
			return 1
		}
		return cmp.Compare(b.Change.badness(), a.Change.badness())
	})
	return out
}

// MinPValue returns the smallest two-sided p-value that the Mann-Whitney
// test gives with m and n values, 2/C(m+n, m) (every value of one side
// below every value of the other, without ties): when it is above
// Judge.Alpha, no change of the field can be Significant, however large,
// and the sides need more intervals.
func MinPValue(m, n int) float64 {
	if m == 0 || n == 0 {
		return 1
	}
	// log C(m+n, m) by lgamma, exact enough for a threshold.
	lc := lgamma(m+n+1) - lgamma(m+1) - lgamma(n+1)
	return math.Min(1, 2*math.Exp(-lc))
}

func lgamma(x int) float64 {
	v, _ := math.Lgamma(float64(x))
	return v
}
