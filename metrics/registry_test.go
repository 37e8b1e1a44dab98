package metrics

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable time source for rates and idle expiry.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTestRegistry(t *testing.T, opts ...Option) (*Registry, *fakeClock, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	clock := newFakeClock()
	r := NewRegistry(append([]Option{WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))}, opts...)...)
	r.now = clock.Now
	return r, clock, &logs
}

func TestGetOrRegisterReturnsTheSameHandle(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	a := r.Counter("jobs.done", Tags{"queue": "base", "host": "a"})
	b := r.Counter("jobs.done", Tags{"host": "a", "queue": "base"})
	if a != b {
		t.Fatal("the same name and tags gave two counters")
	}
	if c := r.Counter("jobs.done", Tags{"queue": "other", "host": "a"}); c == a {
		t.Fatal("different tags gave the same counter")
	}
	if c := r.Counter("jobs.done", nil); c == a || c != r.Counter("jobs.done", Tags{}) {
		t.Fatal("nil and empty tags must name the same untagged series, distinct from tagged ones")
	}
	if c := r.Counter("jobs.done", Tags{"queue": "base"}); c == a {
		t.Fatal("a subset of the tags gave the same counter")
	}
	if r.Len() != 4 {
		t.Fatalf("Len = %d, want 4", r.Len())
	}
}

func TestManyTagsAndSchemas(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	many := Tags{}
	for i := range 12 { // more than maxInlineTags
		many[fmt.Sprintf("k%02d", i)] = fmt.Sprintf("v%d", i)
	}
	a := r.Gauge("wide", many)
	a.Update(7)
	copied := Tags{}
	for k, v := range many {
		copied[k] = v
	}
	if b := r.Gauge("wide", copied); b != a {
		t.Fatal("a series with 12 tags was not found again")
	}
	copied["k11"] = "changed"
	if b := r.Gauge("wide", copied); b == a {
		t.Fatal("a different value of the 12th tag found the same series")
	}
	// The same name under different key sets.
	x := r.Counter("req", Tags{"method": "GET"})
	y := r.Counter("req", Tags{"route": "GET"})
	if x == y || r.Counter("req", Tags{"method": "GET"}) != x || r.Counter("req", Tags{"route": "GET"}) != y {
		t.Fatal("schemas of one name were confused")
	}
}

func TestValidation(t *testing.T) {
	long := strings.Repeat("a", 256)
	cases := []struct {
		name string
		tags Tags
		ok   bool
	}{
		{"query.latency", Tags{"stage": "plan"}, true},
		{"a-b_c.d/e", nil, true},
		{"größe", Tags{"schlüssel": "wert"}, true},
		{"x", Tags{"route": `GET /api/v1 "users" \ o'k`}, true}, // values are free text
		{"x", Tags{"k": "日本語"}, true},
		{"", nil, false},
		{"has space", nil, false},
		{"semi;colon", nil, false},
		{"quote\"", nil, false},
		{"new\nline", nil, false},
		{"bad\xffutf8", nil, false},
		{long, nil, false},
		{"x", Tags{"": "v"}, false},
		{"x", Tags{"k k": "v"}, false},
		{"x", Tags{"k": ""}, false},
		{"x", Tags{"k": "a\nput evil 1 1 a=b"}, false},
		{"x", Tags{"k": "tab\there"}, false},
		{"x", Tags{"k": "bad\xff"}, false},
		{"x", Tags{"k": long}, false},
	}
	for _, c := range cases {
		r, _, _ := newTestRegistry(t)
		h, err := r.CounterE(c.name, c.tags)
		if h == nil {
			t.Fatalf("%q %v: nil handle", c.name, c.tags)
		}
		h.Inc(1) // a refused handle still works
		if (err == nil) != c.ok {
			t.Errorf("%q %v: err = %v, want ok=%v", c.name, c.tags, err, c.ok)
			continue
		}
		exported := len(endInterval(t, r).Series)
		if c.ok && exported != 1 || !c.ok && exported != 0 {
			t.Errorf("%q %v: %d series exported", c.name, c.tags, exported)
		}
		if !c.ok {
			var re *RegistrationError
			if !errors.As(err, &re) || !errors.Is(err, ErrInvalid) || re.Detail == "" {
				t.Errorf("%q: error %v is not a RegistrationError wrapping ErrInvalid", c.name, err)
			}
			if got := r.Refused().Invalid; got != 1 {
				t.Errorf("%q: Refused().Invalid = %d, want 1", c.name, got)
			}
		}
	}
}

func TestKindConflict(t *testing.T) {
	r, _, logs := newTestRegistry(t)
	c := r.Counter("x", Tags{"a": "b"})
	c.Inc(3)
	g, err := r.GaugeE("x", Tags{"a": "b"})
	if !errors.Is(err, ErrKindConflict) || g == nil {
		t.Fatalf("GaugeE over a counter: %v", err)
	}
	g.Update(5) // works, detached
	if _, err := r.FunctionalGaugeE("y", nil, func() int64 { return 1 }); err != nil {
		t.Fatal(err)
	}
	if _, err := r.GaugeE("y", nil); !errors.Is(err, ErrKindConflict) {
		t.Fatalf("Gauge over a functional gauge: %v", err)
	}
	if _, err := r.FunctionalGaugeE("x", Tags{"a": "b"}, nil); !errors.Is(err, ErrKindConflict) {
		t.Fatalf("FunctionalGauge over a counter: %v", err)
	}
	if got := r.Refused().KindConflict; got != 3 {
		t.Fatalf("KindConflict = %d, want 3", got)
	}
	snap := endInterval(t, r)
	if len(snap.Series) != 2 || snap.Series[0].Kind != KindCounter || snap.Series[0].Count != 3 {
		t.Fatalf("the original counter must be kept: %+v", snap.Series)
	}
	if n := strings.Count(logs.String(), "series refused"); n != 1 {
		t.Fatalf("logged %d times, want once:\n%s", n, logs)
	}
}

func TestSeriesLimit(t *testing.T) {
	r, _, logs := newTestRegistry(t, WithMaxSeries(10))
	for i := range 10 {
		if _, err := r.CounterE("c", Tags{"i": fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 10; i < 15; i++ {
		c, err := r.CounterE("c", Tags{"i": fmt.Sprint(i)})
		if !errors.Is(err, ErrTooManySeries) {
			t.Fatalf("series %d: %v", i, err)
		}
		c.Inc(1)
		if c.Count() != 1 {
			t.Fatal("a refused handle must still count")
		}
	}
	// An existing series is still found at the limit.
	if _, err := r.CounterE("c", Tags{"i": "3"}); err != nil {
		t.Fatal(err)
	}
	if got := r.Refused().OverLimit; got != 5 {
		t.Fatalf("OverLimit = %d, want 5", got)
	}
	if n := len(endInterval(t, r).Series); n != 10 {
		t.Fatalf("%d series exported, want 10", n)
	}
	if n := strings.Count(logs.String(), "series limit reached"); n != 1 {
		t.Fatalf("logged %d times, want once:\n%s", n, logs)
	}
	// Unregistering makes room again.
	r.Unregister("c", Tags{"i": "0"})
	if _, err := r.CounterE("c", Tags{"i": "10"}); err != nil {
		t.Fatalf("after Unregister: %v", err)
	}
}

func TestUnregister(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	var kept []*Counter
	for i := range 100 {
		kept = append(kept, r.Counter("c", Tags{"i": fmt.Sprint(i)}))
	}
	old := kept[42]
	old.Inc(5)
	for i := range 60 { // enough to compact the registration order
		r.Unregister("c", Tags{"i": fmt.Sprint(i)})
	}
	r.Unregister("c", Tags{"i": "absent"})
	if r.Len() != 40 {
		t.Fatalf("Len = %d, want 40", r.Len())
	}
	old.Inc(1) // still works
	if n := len(endInterval(t, r).Series); n != 40 {
		t.Fatalf("%d series exported, want 40", n)
	}
	fresh := r.Counter("c", Tags{"i": "42"})
	if fresh == old || fresh.Count() != 0 {
		t.Fatal("re-registering after Unregister must create a new series")
	}
	for i := 60; i < 100; i++ {
		if r.Counter("c", Tags{"i": fmt.Sprint(i)}) != kept[i] {
			t.Fatalf("series %d lost its handle", i)
		}
	}
}

func TestIdleExpiry(t *testing.T) {
	r, clock, _ := newTestRegistry(t, WithIdleExpiry(time.Minute))
	c := r.Counter("c", nil)
	g := r.Gauge("g", nil)
	h := r.Histogram("h", nil)
	r.FunctionalGauge("f", nil, func() int64 { return 0 })
	names := func() string {
		var out []string
		for _, s := range endInterval(t, r).Series {
			out = append(out, s.Name)
		}
		return strings.Join(out, ",")
	}
	g.Update(0) // a zero is a value
	if got := names(); got != "c,g,h,f" {
		t.Fatalf("fresh series: %s", got)
	}
	clock.Add(30 * time.Second)
	c.Inc(1)
	if got := names(); got != "c,g,h,f" {
		t.Fatalf("within the idle time: %s", got)
	}
	clock.Add(31 * time.Second)
	if got := names(); got != "c,f" {
		t.Fatalf("g and h untouched for 61 s must be left out: %s", got)
	}
	clock.Add(61 * time.Second)
	if got := names(); got != "f" {
		t.Fatalf("c untouched for 61 s must be left out: %s", got)
	}
	g.Update(0)
	h.Update(3)
	if got := names(); got != "g,h,f" {
		t.Fatalf("updated handles come back: %s", got)
	}
}

func TestDefaultTags(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	if err := r.SetDefaultTags(Tags{"service": "alerts", "host": "h1"}); err != nil {
		t.Fatal(err)
	}
	if err := r.SetDefaultTags(Tags{"host": ""}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty default tag value: %v", err)
	}
	got := endInterval(t, r).DefaultTags
	if fmt.Sprint(got) != "[{host h1} {service alerts}]" {
		t.Fatalf("DefaultTags = %v", got)
	}
}

// TestConcurrentExactTotals registers and updates the same and different
// series from many goroutines, with snapshots running, and checks every
// total exactly.
func TestConcurrentExactTotals(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	const workers, perWorker = 8, 2000
	var wg sync.WaitGroup
	stop, stopped := make(chan struct{}), make(chan struct{})
	var histCount, timerCount int64
	var snapMu sync.Mutex
	go func() { // a reporter snapshotting all along
		defer close(stopped)
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, s := range endInterval(t, r).Series {
				snapMu.Lock()
				switch s.Kind {
				case KindHistogram:
					histCount += s.Summary.Count
				case KindTimer:
					timerCount += s.Summary.Count
				}
				snapMu.Unlock()
			}
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				tags := Tags{"worker": fmt.Sprint(w % 2), "i": fmt.Sprint(i % 10)}
				r.Counter("c", tags).Inc(1)
				r.Meter("m", tags).Mark(2)
				r.Histogram("h", tags).Update(int64(i))
				r.Timer("t", tags).Update(time.Duration(i) * time.Microsecond)
				r.Gauge("g", tags).Update(int64(i))
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-stopped
	snap := endInterval(t, r)
	var counts = map[Kind]int64{}
	for _, s := range snap.Series {
		counts[s.Kind] += s.Count
		switch s.Kind {
		case KindHistogram:
			histCount += s.Summary.Count
		case KindTimer:
			timerCount += s.Summary.Count
		}
	}
	want := int64(workers * perWorker)
	if counts[KindCounter] != want || counts[KindMeter] != 2*want ||
		counts[KindHistogram] != want || counts[KindTimer] != want {
		t.Fatalf("totals %v, want %d each (meter %d)", counts, want, 2*want)
	}
	if histCount != want || timerCount != want {
		t.Fatalf("interval counts add up to %d and %d, want %d", histCount, timerCount, want)
	}
	if r.Len() != 5*20 {
		t.Fatalf("Len = %d, want 100", r.Len())
	}
}
