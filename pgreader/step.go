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
