package pgreader

import "time"

// niceSteps are the steps chooseStep picks from, before whole days.
var niceSteps = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// chooseStep returns the smallest nice step, or else whole number of days,
// that cuts span into at most maxPoints (>= 1) steps.
func chooseStep(span time.Duration, maxPoints int) time.Duration {
	least := span / time.Duration(maxPoints)
	if least*time.Duration(maxPoints) < span {
		least++ // ceil: least*maxPoints >= span
	}
	for _, s := range niceSteps {
		if s >= least {
			return s
		}
	}
	const day = 24 * time.Hour
	return (least + day - 1) / day * day
}

// stepCount returns how many steps of width step begin in [0, span).
func stepCount(span, step time.Duration) int64 {
	return int64((span-1)/step) + 1
}

// alignment is the unit that steps of width step are aligned to: an hour
// when step is a whole number of hours, a minute when it is a whole number
// of minutes, none (0) otherwise. So a step holds whole hours or whole
// minutes, those of the rollups, which a Range can then read instead of
// the points.
func alignment(step time.Duration) time.Duration {
	switch {
	case step%time.Hour == 0:
		return time.Hour
	case step%time.Minute == 0:
		return time.Minute
	}
	return 0
}

// planStep returns the smallest step that chooseStep offers which cuts
// [from, to), widened by window, into at most maxPoints (>= 1) steps.
func planStep(from, to time.Time, maxPoints int) time.Duration {
	span := to.Sub(from)
	for {
		step := chooseStep(span, maxPoints)
		_, wto, origin := window(from, to, step)
		if stepCount(wto.Sub(origin), step) <= int64(maxPoints) {
			return step
		}
		span = wto.Sub(origin) // a longer span: a step at least as long
	}
}
