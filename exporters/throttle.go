package exporters

import "time"

// logEvery is how often a repeated message is logged again.
const logEvery = time.Minute

// throttle decides which messages of a repeating stream to log: one that
// differs from the previous at once, the same one again at most once per
// logEvery, together with how often it occurred since it was last logged.
// It is not safe for concurrent use.
type throttle struct {
	last     string
	loggedAt time.Time
	unlogged int // occurrences of last since it was logged
}

// allow records that msg occurred at now. It reports whether to log it and,
// when the same message was held back since it was last logged, how many
// times it occurred in all (this one included); 1 otherwise.
func (t *throttle) allow(msg string, now time.Time) (log bool, occurrences int) {
	if msg != t.last || t.loggedAt.IsZero() {
		t.last, t.loggedAt, t.unlogged = msg, now, 0
		return true, 1
	}
	t.unlogged++
	if now.Sub(t.loggedAt) < logEvery {
		return false, 0
	}
	n := t.unlogged
	t.loggedAt, t.unlogged = now, 0
	return true, n
}
