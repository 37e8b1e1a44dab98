package exporters

import (
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	var th throttle
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	steps := []struct {
		msg         string
		after       time.Duration
		log         bool
		occurrences int
	}{
		{"refused", 0, true, 1},                           // the first is logged
		{"refused", time.Second, false, 0},                // repeats are held back...
		{"refused", 30 * time.Second, false, 0},           //
		{"refused", time.Minute, true, 3},                 // ...until a minute passed, with their count
		{"refused", time.Minute + time.Second, false, 0},  //
		{"timeout", time.Minute + 2*time.Second, true, 1}, // another error is logged at once
		{"refused", time.Minute + 3*time.Second, true, 1}, // and so is the old one after it
		{"refused", 2*time.Minute + 3*time.Second, true, 1},
	}
	for i, st := range steps {
		log, n := th.allow(st.msg, t0.Add(st.after))
		if log != st.log || n != st.occurrences {
			t.Errorf("step %d (%s at +%v): allow = %v, %d; want %v, %d", i, st.msg, st.after, log, n, st.log, st.occurrences)
		}
	}
}
