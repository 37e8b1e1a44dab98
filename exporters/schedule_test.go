package exporters

import (
	"testing"
	"time"
)

func TestSchedule(t *testing.T) {
	const iv = 10 * time.Second
	at := func(s string) time.Time {
		tm, err := time.Parse("15:04:05.000", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	s := newSchedule(at("12:00:03.000"), iv)
	if got := s.wait(at("12:00:03.000")); got != 7*time.Second {
		t.Fatalf("first wait %v; want 7s, to the next multiple of the interval", got)
	}
	steps := []struct {
		name   string
		now    string // when the timer fires
		stamp  string // "" when no snapshot is due
		waitTo string // the boundary the timer is then aimed at
	}{
		{"on time", "12:00:10.002", "12:00:10.000", "12:00:20.000"},
		{"a little early (clock slewed)", "12:00:19.995", "", "12:00:20.000"},
		{"then on time", "12:00:20.000", "12:00:20.000", "12:00:30.000"},
		{"late, within the interval", "12:00:34.000", "12:00:30.000", "12:00:40.000"},
		{"clock stepped forward", "12:05:07.000", "12:05:00.000", "12:05:10.000"},
		{"clock stepped back less than an interval", "12:05:02.000", "", "12:05:10.000"},
		{"then on time", "12:05:10.001", "12:05:10.000", "12:05:20.000"},
		{"clock stepped back an hour: realign, no pause", "11:05:13.000", "", "11:05:20.000"},
		{"then on time", "11:05:20.000", "11:05:20.000", "11:05:30.000"},
	}
	for _, st := range steps {
		now := at(st.now)
		stamp, ok := s.due(now)
		if want := st.stamp != ""; ok != want || (ok && !stamp.Equal(at(st.stamp))) {
			t.Errorf("%s: due(%s) = %v, %v; want %q", st.name, st.now, stamp.Format("15:04:05.000"), ok, st.stamp)
		}
		if got, want := s.wait(now), at(st.waitTo).Sub(now); got != want {
			t.Errorf("%s: then waits %v; want %v", st.name, got, want)
		}
	}
}
