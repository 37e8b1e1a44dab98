package metrics

import (
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	gometrics "github.com/rcrowley/go-metrics"
)

// TestRefusedNamesTheLatest checks that Refused().Last names the latest
// refused registration or value, of every reason, with its series and when.
func TestRefusedNamesTheLatest(t *testing.T) {
	r, clock, _ := newTestRegistry(t)
	if got := r.Refused(); got.Last != "" || !got.LastAt.IsZero() {
		t.Fatalf("nothing refused yet: %+v", got)
	}
	gf := r.GaugeFloat64("cache.ratio", Tags{"pool": "main", "host": "a"})
	tm := r.Timer("query.latency", Tags{"stage": "plan"})
	r.Counter("jobs", Tags{"queue": "base"})
	legacy := gometrics.NewRegistry()
	gometrics.NewRegisteredFunctionalGaugeFloat64("legacy.ratio", legacy, func() float64 { return math.Inf(-1) })
	steps := []struct {
		do   func()
		want string
	}{
		{func() { gf.Update(math.NaN()) }, "gauge_float64 cache.ratio{host=a,pool=main}: refused NaN"},
		{func() { gf.Update(math.Inf(1)) }, "gauge_float64 cache.ratio{host=a,pool=main}: refused +Inf"},
		{func() { tm.Update(-time.Second) }, "timer query.latency{stage=plan}: refused a negative duration"},
		{func() { r.Counter("jobs", Tags{"queue": ""}) },
			`counter jobs{queue=""}: invalid name or tag: tag "queue" has an empty value`},
		{func() { r.Counter("bad name", Tags{"k": "a b,c"}) },
			`counter "bad name"{k="a b,c"}: invalid name or tag: name "bad name" has character ' ' at byte 3; allowed are a-z A-Z 0-9 - _ . / and Unicode letters`},
		{func() { r.Gauge("jobs", Tags{"queue": "base"}) },
			"gauge jobs{queue=base}: already registered as another kind: it is a counter"},
		{func() { r.FunctionalGaugeFloat64("load", nil, math.NaN); endInterval(t, r) }, "gauge_float64 load{}: refused NaN"},
		{func() {
			if err := r.AttachGoMetrics(legacy, Tags{"app": "old"}); err != nil {
				t.Fatal(err)
			}
			r.Peek()
		}, "gauge_float64 legacy.ratio{app=old}: refused -Inf"},
		{func() { gf.Update(math.NaN()) }, "gauge_float64 cache.ratio{host=a,pool=main}: refused NaN"},
	}
	for i, step := range steps {
		clock.Add(time.Second)
		step.do()
		got := r.Refused()
		if got.Last != step.want || !got.LastAt.Equal(clock.Now()) {
			t.Fatalf("step %d: Last = %q at %v,\nwant %q at %v", i, got.Last, got.LastAt, step.want, clock.Now())
		}
	}
	// A detached handle names the series it was refused as.
	clock.Add(time.Second)
	detached := r.GaugeFloat64("jobs", Tags{"queue": "base"}) // a counter
	detached.Update(math.NaN())
	if got, want := r.Refused().Last, "gauge_float64 jobs{queue=base}: refused NaN"; got != want {
		t.Fatalf("detached handle: Last = %q, want %q", got, want)
	}
	// Refusals of a family name its series too.
	NewFamily[*Timer](r, "rpc", "method").With("a", "b").Update(-1)
	if got, want := r.Refused().Last, `timer rpc{method=a}: refused a negative duration`; got != want {
		t.Fatalf("family handle: Last = %q, want %q", got, want)
	}
}

// TestRefusalsAreLoggedAtMostOnceAMinute checks the rate-limited log: the
// first refusal of each reason at once, then at most one line a minute per
// reason, counting the refusals since the previous line and naming the
// latest; bad values are logged by snapshots only.
func TestRefusalsAreLoggedAtMostOnceAMinute(t *testing.T) {
	r, clock, logs := newTestRegistry(t, WithMaxSeries(1))
	gf := r.GaugeFloat64("ratio", nil)
	lines := func() []string {
		defer logs.Reset()
		return strings.FieldsFunc(logs.String(), func(c rune) bool { return c == '\n' })
	}
	for range 3 {
		gf.Update(math.NaN())
	}
	if got := lines(); len(got) != 0 {
		t.Fatalf("recording a value must not log, got\n%s", strings.Join(got, "\n"))
	}
	endInterval(t, r)
	got := lines()
	if len(got) != 1 || !strings.Contains(got[0], "values refused") || !strings.Contains(got[0], "count=3 total=3 ") ||
		!strings.Contains(got[0], `latest="gauge_float64 ratio{}: refused NaN"`) {
		t.Fatalf("first snapshot: want one line for the 3 bad values, got\n%s", strings.Join(got, "\n"))
	}
	for range 3 {
		r.Counter("bad name", nil)
		r.Counter("full", nil)
		gf.Update(math.NaN())
	}
	got = lines()
	if len(got) != 2 || !strings.Contains(got[0], "invalid name or tag") || !strings.Contains(got[0], "count=1 ") ||
		!strings.Contains(got[1], "registry is full") || !strings.Contains(got[1], `latest="counter full{}: series limit reached`) {
		t.Fatalf("first refused registrations: want one line for each reason, got\n%s", strings.Join(got, "\n"))
	}
	clock.Add(59 * time.Second)
	r.Counter("bad name", nil)
	gf.Update(math.Inf(1))
	endInterval(t, r)
	if got := lines(); len(got) != 0 {
		t.Fatalf("within a minute: want nothing logged, got\n%s", strings.Join(got, "\n"))
	}
	clock.Add(time.Second)
	r.Counter("other name", nil) // logs every reason that is due
	got = lines()
	if len(got) != 3 || !strings.Contains(got[0], "count=4 total=5 ") || !strings.Contains(got[0], `latest="counter \"other name\"{}`) ||
		!strings.Contains(got[1], "count=2 total=3 ") || !strings.Contains(got[2], "count=4 total=7 ") ||
		!strings.Contains(got[2], `latest="gauge_float64 ratio{}: refused +Inf"`) {
		t.Fatalf("a minute later: want one line per reason with what came since, got\n%s", strings.Join(got, "\n"))
	}
	endInterval(t, r)
	if got := lines(); len(got) != 0 {
		t.Fatalf("just logged: want nothing logged, got\n%s", strings.Join(got, "\n"))
	}
	clock.Add(time.Hour)
	endInterval(t, r)
	if got := lines(); len(got) != 0 {
		t.Fatalf("nothing new: want nothing logged, got\n%s", strings.Join(got, "\n"))
	}
}

// TestRefusalsConcurrent refuses values and registrations from many
// goroutines while others read Refused and take snapshots: the totals are
// exact and Last is always a whole refusal.
func TestRefusalsConcurrent(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	const workers, perWorker = 4, 2000
	gauges := []*GaugeFloat64{r.GaugeFloat64("a", nil), r.GaugeFloat64("b", nil)}
	tm := r.Timer("t", nil)
	var wg sync.WaitGroup
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			endInterval(t, r)
			if last := r.Refused().Last; last != "" && !strings.HasPrefix(last, "gauge_float64 a{}: refused ") &&
				!strings.HasPrefix(last, "gauge_float64 b{}: refused ") && last != "timer t{}: refused a negative duration" &&
				!strings.HasPrefix(last, `counter "bad name"{}: invalid name or tag`) {
				t.Errorf("Last = %q", last)
				return
			}
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				switch i % 4 {
				case 0, 1:
					gauges[(w+i)%2].Update(math.Inf(1 - i%2*2))
				case 2:
					tm.Update(-1)
				case 3:
					r.Counter("bad name", nil)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-done
	got := r.Refused()
	if got.BadValues != workers*perWorker*3/4 || got.Invalid != workers*perWorker/4 {
		t.Fatalf("Refused() = %+v, want %d bad values and %d invalid", got, workers*perWorker*3/4, workers*perWorker/4)
	}
}
