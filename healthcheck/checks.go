package healthcheck

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// GaugeThreshold checks that a gauge, such as a queue depth, is not too
// high: Critical when its value is greater than crit, else Warn when it is
// greater than warn, else Good. A value equal to a threshold is still
// below it. The report shows the value, and the threshold it crossed:
//
//	0
//	812 (warn > 500)
//	1200 (crit > 1000)
//
// Pass math.MaxInt64 as a threshold to turn its level off.
func GaugeThreshold(g *metrics.Gauge, warn, crit int64) Check {
	return func(context.Context) Result {
		v := g.Value()
		value := strconv.FormatInt(v, 10)
		switch {
		case v > crit:
			return Result{Critical, value + " (crit > " + strconv.FormatInt(crit, 10) + ")"}
		case v > warn:
			return Result{Warn, value + " (warn > " + strconv.FormatInt(warn, 10) + ")"}
		}
		return Result{Good, value}
	}
}

// MeterRateAbove checks that a meter's rate, such as errors per second, is
// not too high: Critical when it is greater than crit, else Warn when it is
// greater than warn, else Good. The rate is in events per second, shown
// with two decimals, and is the meter's one-minute moving average
// (Meter.Rate1) — except in the meter's first 5 seconds, before the
// average has its first value, when it is the mean rate so far:
//
//	0.20/s
//	7.50/s (warn > 5.00/s)
//
// Pass math.Inf(1) as a threshold to turn its level off.
func MeterRateAbove(m *metrics.Meter, warn, crit float64) Check {
	return func(context.Context) Result {
		rate := meterRate(m)
		switch {
		case rate > crit:
			return Result{Critical, perSecond(rate) + " (crit > " + perSecond(crit) + ")"}
		case rate > warn:
			return Result{Warn, perSecond(rate) + " (warn > " + perSecond(warn) + ")"}
		}
		return Result{Good, perSecond(rate)}
	}
}

// MeterRateBelow checks that a meter's rate, such as requests served per
// second, has not dropped too low: Critical when it is less than crit,
// else Warn when it is less than warn, else Good; so crit is normally the
// smaller. The rate is as for MeterRateAbove, so a service that has just
// started is judged by its mean rate so far rather than reported as too
// slow until the first tick of the moving average:
//
//	50.20/s
//	0.40/s (crit < 1.00/s)
//
// Pass math.Inf(-1) as a threshold to turn its level off.
func MeterRateBelow(m *metrics.Meter, warn, crit float64) Check {
	return func(context.Context) Result {
		rate := meterRate(m)
		switch {
		case rate < crit:
			return Result{Critical, perSecond(rate) + " (crit < " + perSecond(crit) + ")"}
		case rate < warn:
			return Result{Warn, perSecond(rate) + " (warn < " + perSecond(warn) + ")"}
		}
		return Result{Good, perSecond(rate)}
	}
}

// meterRate returns m's one-minute moving average or, in the meter's first
// 5 seconds, before the average has its first value, its mean rate so
// far. The meter's age is count/mean.
func meterRate(m *metrics.Meter) float64 {
	r := m.Rates()
	if r.Rate1 == 0 && r.Mean > 0 && float64(m.Count())/r.Mean < firstTick.Seconds() {
		return r.Mean
	}
	return r.Rate1
}

// firstTick is when a meter's moving averages get their first value.
const firstTick = 5 * time.Second

// perSecond formats a rate in events per second.
func perSecond(rate float64) string {
	return strconv.FormatFloat(rate, 'f', 2, 64) + "/s"
}

// TimerPercentile checks that quantile q of a timer, such as the 99th
// percentile (q = 0.99) of a query's latency, is not too long: Critical
// when it is longer than crit, else Warn when it is longer than warn, else
// Good. The quantile is of the durations recorded since the registry's
// last Snapshot (the exporters' Reporter takes one per interval, 10 s by
// default), or since the timer was created, and is within 1% of the exact
// value. It is shown to three significant digits:
//
//	p99 4.21ms
//	p99 12.3ms (warn > 10ms)
//	p99.9 1.20s (crit > 1s)
//	p99 none recorded
//
// The last is Good: a timer that recorded nothing has no latency to
// complain about (pair it with MeterRateBelow on a meter of the same
// events when silence is a problem).
func TimerPercentile(t *metrics.Timer, q float64, warn, crit time.Duration) Check {
	label := "p" + strconv.FormatFloat(math.Round(q*100*1e4)/1e4, 'f', -1, 64)
	return func(context.Context) Result {
		if t.Max() == 0 { // a timer's durations are positive: nothing recorded
			return Result{Good, label + " none recorded"}
		}
		d := time.Duration(math.Round(t.Percentile(q)))
		value := label + " " + roundDuration(d).String()
		switch {
		case d > crit:
			return Result{Critical, value + " (crit > " + crit.String() + ")"}
		case d > warn:
			return Result{Warn, value + " (warn > " + warn.String() + ")"}
		}
		return Result{Good, value}
	}
}

// roundDuration rounds d to three significant digits, and to no less than
// a second: 12.345678ms is 12.3ms, 1.23456s is 1.23s, 3m2.5s is 3m3s.
func roundDuration(d time.Duration) time.Duration {
	unit := time.Duration(1)
	for x := d / 1000; x > 0 && unit < time.Second; x /= 10 {
		unit *= 10
	}
	return d.Round(unit)
}

// Info is a line that is always Good, for facts an operator wants next to
// the checks, such as the pprof address or the exporters' destination.
// value is called for every report.
func Info(value func() string) Check {
	return func(context.Context) Result { return Result{Good, value()} }
}
