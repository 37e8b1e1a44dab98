package metrics

import (
	"time"

	gometrics "github.com/rcrowley/go-metrics"
)

var _ gometrics.Timer = (*Timer)(nil)

// Timer records durations, such as query latency, as a Histogram of
// nanoseconds plus the Rates of its count. Update is lock-free and does not
// allocate. Negative durations are dropped and counted as bad values (see
// Registry.Refused).
type Timer struct {
	dist distribution
	now  func() time.Time
	ewma *ewma
	origin
}

// Timer returns the timer with this name and tags, registering it if it is
// new. See Registry for what happens to invalid input.
func (r *Registry) Timer(name string, tags Tags) *Timer {
	t, _ := r.TimerE(name, tags)
	return t
}

// TimerE is Timer that also returns why a registration was refused.
func (r *Registry) TimerE(name string, tags Tags) (*Timer, error) {
	return getAs(r, KindTimer, name, tags, r.newTimer)
}

func (r *Registry) newTimer() *Timer {
	return &Timer{now: r.now, ewma: newEWMA(r.now()), origin: origin{reg: r}}
}

// Update records a duration.
func (t *Timer) Update(d time.Duration) {
	if d < 0 {
		t.refuseValue(KindTimer, "refused a negative duration")
		return
	}
	t.dist.record(int64(d))
}

// UpdateSince records the time elapsed since start.
func (t *Timer) UpdateSince(start time.Time) { t.Update(time.Since(start)) }

// Time calls f and records how long it took.
func (t *Timer) Time(f func()) {
	start := time.Now()
	defer t.UpdateSince(start) // recorded even if f panics
	f()
}

// Count returns the number of durations recorded since creation.
func (t *Timer) Count() int64 { return t.dist.totalCount() }

// Sum returns the sum of the durations recorded since creation, in
// nanoseconds.
func (t *Timer) Sum() int64 { return t.dist.totalSum() }

// Min returns the shortest duration recorded since the last snapshot, in
// nanoseconds.
func (t *Timer) Min() int64 { return t.dist.peek().Min }

// Max returns the longest duration recorded since the last snapshot, in
// nanoseconds.
func (t *Timer) Max() int64 { return t.dist.peek().Max }

// Mean returns the mean duration since the last snapshot, in nanoseconds.
func (t *Timer) Mean() float64 { return t.dist.peek().Mean() }

// StdDev returns the standard deviation of the durations since the last
// snapshot, in nanoseconds.
func (t *Timer) StdDev() float64 { return t.dist.peek().StdDev() }

// Variance returns the variance of the durations since the last snapshot, in
// nanoseconds squared.
func (t *Timer) Variance() float64 { return t.dist.peek().Variance() }

// Percentile returns quantile q (0.99 for the 99th percentile) of the
// durations since the last snapshot, in nanoseconds.
func (t *Timer) Percentile(q float64) float64 { return t.dist.peek().Quantile(q) }

// Percentiles returns the quantiles qs of the durations since the last
// snapshot, in nanoseconds.
func (t *Timer) Percentiles(qs []float64) []float64 { return quantiles(t.dist.peek(), qs) }

// Rates returns the rates of recorded durations, in events per second.
func (t *Timer) Rates() Rates { return t.ewma.rates(t.now(), t.Count()) }

// Rate1 returns the one-minute moving average rate, in events per second.
func (t *Timer) Rate1() float64 { return t.Rates().Rate1 }

// Rate5 returns the five-minute moving average rate, in events per second.
func (t *Timer) Rate5() float64 { return t.Rates().Rate5 }

// Rate15 returns the fifteen-minute moving average rate, in events per second.
func (t *Timer) Rate15() float64 { return t.Rates().Rate15 }

// RateMean returns the mean rate since creation, in events per second.
func (t *Timer) RateMean() float64 { return t.Rates().Mean }

// Stop does nothing: a vitals timer has no goroutine to stop.
func (t *Timer) Stop() {}

// Snapshot returns a read-only copy, for go-metrics code.
func (t *Timer) Snapshot() gometrics.Timer {
	return &timerSnapshot{distributionView: view(t.dist.peek()), rates: t.Rates()}
}
