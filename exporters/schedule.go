package exporters

import "time"

// schedule finds the wall-clock boundaries at which the Reporter takes its
// snapshots: the multiples of the interval (next = now.Truncate(interval) +
// interval), so that the points of every host line up.
//
// The Reporter sleeps on a timer, which runs on the monotonic clock, and
// then asks due what the wall clock says. That keeps the ticks aligned
// however long each snapshot takes (no time.Ticker drift) and copes with
// the wall clock moving under the timer:
//
//   - woken a little early (the clock was slewed, or stepped back by less
//     than an interval): sleep the rest, then tick at the boundary;
//   - woken late (a stalled process, or the clock stepped forward): tick
//     now, stamped with the boundary just passed; the snapshot covers the
//     missed intervals, because counters are cumulative and histograms
//     cover everything since the previous snapshot;
//   - the clock stepped back by more than an interval: realign on the new
//     time instead of pausing exports for as long as the step.
type schedule struct {
	interval time.Duration
	next     time.Time // the boundary the timer aims at; Truncate strips the monotonic reading
}

func newSchedule(now time.Time, interval time.Duration) schedule {
	return schedule{interval: interval, next: now.Truncate(interval).Add(interval)}
}

// wait returns how long to sleep from now until the next boundary.
func (s *schedule) wait(now time.Time) time.Duration { return s.next.Sub(now) }

// due is called when the timer fires at now. It returns the time to stamp
// the snapshot with and true, or false when it is not time yet; either way
// the timer is then reset to wait(now).
func (s *schedule) due(now time.Time) (stamp time.Time, ok bool) {
	wait := s.next.Sub(now)
	if wait > s.interval { // the clock stepped back
		s.next = now.Truncate(s.interval).Add(s.interval)
		return time.Time{}, false
	}
	if wait > 0 {
		return time.Time{}, false
	}
	stamp = now.Truncate(s.interval)
	s.next = stamp.Add(s.interval)
	return stamp, true
}
