package compare

import (
	"fmt"
	"math"
	"regexp"
)

// The defaults of Judge.
const (
	DefaultAlpha     = 0.01
	DefaultMinEffect = 0.10
)

// Judge says when a change is a regression. Its zero value holds the
// defaults.
type Judge struct {
	// Alpha is the largest p-value of the Mann-Whitney test at which a
	// change is significant, in (0, 1). Defaults to DefaultAlpha (0.01).
	Alpha float64
	// MinEffect is the smallest size of the effect (see Change.Effect) at
	// which a significant change counts, 0.1 for 10%. Defaults to
	// DefaultMinEffect (0.1); it must not be negative.
	MinEffect float64
	// WorseWhen overrides the direction in which fields are worse, by
	// field; see Direction for the defaults. FieldCount is never judged.
	WorseWhen map[Field]Direction
}

// Direction is the direction in which a change of a field is worse.
type Direction int8

// The directions. The zero Direction is not one: a field without a
// direction (FieldCount) is not judged.
const (
	// WorseWhenHigher is the default of the fields of values (FieldMean,
	// the quantiles and FieldMax: latencies, sizes, costs), and of
	// FieldRate for a metric whose name says that it counts failures (see
	// failureName).
	WorseWhenHigher Direction = iota + 1
	// WorseWhenLower is the default of FieldRate, the throughput: events,
	// or values recorded, per second.
	WorseWhenLower
	// WorseEitherWay makes any significant change a regression.
	WorseEitherWay
)

// String returns "higher", "lower" or "either": when the field is worse.
func (d Direction) String() string {
	switch d {
	case WorseWhenHigher:
		return "higher"
	case WorseWhenLower:
		return "lower"
	case WorseEitherWay:
		return "either"
	}
	return ""
}

// ParseDirection parses the text of Direction.String.
func ParseDirection(s string) (Direction, error) {
	for _, d := range []Direction{WorseWhenHigher, WorseWhenLower, WorseEitherWay} {
		if s == d.String() {
			return d, nil
		}
	}
	return 0, fmt.Errorf("direction %q: want higher, lower or either (the direction in which the field is worse)", s)
}

// failureName matches the metric names whose rate counts failures, for
// which a higher rate is worse: those with a word (between dots,
// underscores, dashes or the ends) such as error, errors, fail, failed,
// failures, drop, dropped, reject, timeout, panic, retry, refused.
var failureName = regexp.MustCompile(`(?i)(^|[._-])(err|errors?|fail(ed|s|ures?)?|drop(ped|s)?|reject(ed|s|ions?)?|timeouts?|timed_?out|panics?|retr(y|ies)|refus(ed|als?)|abort(ed|s)?)($|[._-])`)

// worseWhen returns the direction of field f of metric under j: j's
// override, else the default (see Direction); 0 for FieldCount.
func (j Judge) worseWhen(f Field, metric string) Direction {
	if d, ok := j.WorseWhen[f]; ok && f != FieldCount {
		return d
	}
	switch f {
	case FieldCount:
		return 0
	case FieldRate:
		if failureName.MatchString(metric) {
			return WorseWhenHigher
		}
		return WorseWhenLower
	}
	return WorseWhenHigher
}

// withDefaults returns j with its zero fields set to the defaults.
func (j Judge) withDefaults() Judge {
	if j.Alpha == 0 {
		j.Alpha = DefaultAlpha
	}
	if j.MinEffect == 0 {
		j.MinEffect = DefaultMinEffect
	}
	return j
}

// validate checks j's fields.
func (j Judge) validate() error {
	switch {
	case !(j.Alpha >= 0 && j.Alpha < 1):
		return fmt.Errorf("Judge.Alpha %v is not in (0, 1)", j.Alpha)
	case !(j.MinEffect >= 0) || math.IsInf(j.MinEffect, 0):
		return fmt.Errorf("Judge.MinEffect %v is negative or not a number", j.MinEffect)
	}
	for f, d := range j.WorseWhen {
		if d.String() == "" {
			return fmt.Errorf("Judge.WorseWhen[%s] is %d, not a Direction", f, d)
		}
		if !f.valid() || f == FieldCount {
			return fmt.Errorf("Judge.WorseWhen has field %q; it takes %v", f, histogramFields[1:])
		}
	}
	return nil
}

// Verdict is what the judge says of a change.
type Verdict int8

// The verdicts.
const (
	// Untested: the field is not judged (FieldCount), or a side has fewer
	// than two per-interval values of it.
	Untested Verdict = iota
	// Unchanged: not significant, or smaller than Judge.MinEffect.
	Unchanged
	// Better: significant and large enough, in the good direction.
	Better
	// Worse: significant and large enough, in the bad direction: a
	// regression.
	Worse
)

// String returns "untested", "unchanged", "better" or "worse".
func (v Verdict) String() string {
	switch v {
	case Unchanged:
		return "unchanged"
	case Better:
		return "better"
	case Worse:
		return "worse"
	}
	return "untested"
}

// minSamples is the fewest per-interval values on each side of a tested
// field.
const minSamples = 2

// judge fills in the test of c, the change of a field whose per-interval
// values are before and after, worse in direction d (0: not judged).
func (j Judge) judge(c *Change, d Direction, before, after []float64) {
	c.WorseWhen = d
	c.PValue, c.Effect = math.NaN(), math.NaN()
	c.BeforeValues, c.AfterValues = len(before), len(after)
	if d == 0 || len(before) < minSamples || len(after) < minSamples {
		return
	}
	c.PValue = mannWhitney(before, after)
	shift := hodgesLehmann(before, after)
	base := median(before)
	if base == 0 { // from nothing: relative to where it went
		base = median(after)
	}
	c.Effect = 0
	if base != 0 {
		c.Effect = shift / math.Abs(base)
	}
	c.Verdict = Unchanged
	c.Significant = c.PValue <= j.Alpha && math.Abs(c.Effect) >= j.MinEffect && c.Effect != 0
	if !c.Significant {
		return
	}
	up := c.Effect > 0
	if d == WorseEitherWay || up == (d == WorseWhenHigher) {
		c.Verdict = Worse
	} else {
		c.Verdict = Better
	}
}
