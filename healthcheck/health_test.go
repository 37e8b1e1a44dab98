package healthcheck_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vitals-go/vitals/healthcheck"
)

func TestNewValidates(t *testing.T) {
	_, err := healthcheck.New(healthcheck.Config{Service: " \n", CheckTimeout: -time.Second})
	if err == nil {
		t.Fatal("New accepted an empty Service and a negative CheckTimeout")
	}
	for _, want := range []string{"Service is required", "CheckTimeout is -1s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestReportNoChecks(t *testing.T) {
	h := newHealth(t, healthcheck.Config{})
	r := h.Report(context.Background())
	if r.Status != healthcheck.Good || r.Checks == nil || len(r.Checks) != 0 {
		t.Errorf("report without checks: status %v, checks %#v", r.Status, r.Checks)
	}
	js, _ := json.Marshal(r)
	if !bytes.Contains(js, []byte(`"checks":[]`)) {
		t.Errorf("JSON of a report without checks: %s", js)
	}
	ls := lines(t, text(t, r))
	if len(ls) != 2 || !strings.HasPrefix(ls[1], "GOOD up ") {
		t.Errorf("text of a report without checks: %q", ls)
	}
}

func TestReportOrderAndWorst(t *testing.T) {
	h := newHealth(t, healthcheck.Config{CacheFor: -1})
	h.Register("a", fixed(healthcheck.Result{Value: "1"}, nil))
	h.Register("b", fixed(healthcheck.Result{Status: healthcheck.Warn, Value: "2"}, nil))
	h.Register("c", fixed(healthcheck.Result{Value: "3"}, nil))
	got := func() string {
		r := h.Report(context.Background())
		var b strings.Builder
		b.WriteString(r.Status.String())
		for _, c := range r.Checks {
			b.WriteString(" " + c.Status.String() + ":" + c.Name + "=" + c.Value)
		}
		return b.String()
	}
	if g, want := got(), "WARN GOOD:a=1 WARN:b=2 GOOD:c=3"; g != want {
		t.Errorf("got %q, want %q", g, want)
	}
	h.Register("b", fixed(healthcheck.Result{Status: healthcheck.Critical, Value: "x"}, nil)) // keeps its place
	if g, want := got(), "CRITICAL GOOD:a=1 CRITICAL:b=x GOOD:c=3"; g != want {
		t.Errorf("after replacing b: got %q, want %q", g, want)
	}
	h.Register("b", nil)
	h.Register("nothing", nil)
	h.Register("\n d\t", fixed(healthcheck.Result{Value: "4"}, nil)) // sanitized to "d"
	if g, want := got(), "GOOD GOOD:a=1 GOOD:c=3 GOOD:d=4"; g != want {
		t.Errorf("after removing b and adding d: got %q, want %q", g, want)
	}
}

func TestReportSanitizesResults(t *testing.T) {
	h := newHealth(t, healthcheck.Config{})
	for i, v := range hostile {
		h.Register(hostile[(i+1)%len(hostile)]+string(rune('A'+i)), fixed(healthcheck.Result{Value: v}, nil))
	}
	h.Register("bad status", fixed(healthcheck.Result{Status: 7, Value: "seven"}, nil))
	r := h.Report(context.Background())
	checkShape(t, text(t, r), len(hostile)+1)
	for _, c := range r.Checks {
		if strings.ContainsAny(c.Name+c.Value, "\n\r\x1b") {
			t.Errorf("unsanitized result %q: %q", c.Name, c.Value)
		}
	}
	if last := r.Checks[len(r.Checks)-1]; last.Status != healthcheck.Critical || last.Value != "invalid status 7: seven" {
		t.Errorf("a check returning Status(7): %+v", last)
	}
	if r.Status != healthcheck.Critical {
		t.Errorf("overall status %v", r.Status)
	}
}

// TestReportSlowCheck runs in a bubble: its clock is fake, so the timeout
// is exact and the test does not wait for it.
func TestReportSlowCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHealth(t, healthcheck.Config{CheckTimeout: time.Second, CacheFor: -1})
		slow := newGate(t)
		var fast atomic.Int64
		h.Register("fast", fixed(healthcheck.Result{Value: "ok"}, &fast))
		h.Register("slow", slow.Check)

		start := time.Now()
		r := h.Report(context.Background())
		if took := time.Since(start); took != time.Second {
			t.Errorf("report took %v, want the timeout, 1s", took)
		}
		want := []healthcheck.CheckResult{
			{Name: "fast", Status: healthcheck.Good, Value: "ok"},
			{Name: "slow", Status: healthcheck.Critical, Value: "timed out after 1s"},
		}
		if r.Status != healthcheck.Critical || !equalChecks(r.Checks, want) {
			t.Errorf("got %v %+v, want CRITICAL %+v", r.Status, r.Checks, want)
		}

		// The abandoned call still runs: the next report does not call the
		// check again, and says so at once.
		time.Sleep(time.Minute)
		start = time.Now()
		r = h.Report(context.Background())
		if took := time.Since(start); took != 0 {
			t.Errorf("second report took %v, want no wait", took)
		}
		if got, want := r.Checks[1].Value, "timed out: the previous call has been running for 1m1s (timeout 1s)"; got != want {
			t.Errorf("second report: slow is %q, want %q", got, want)
		}
		if n := slow.calls.Load(); n != 1 {
			t.Errorf("the stuck check was called %d times, want 1", n)
		}

		slow.Release()
		synctest.Wait() // the abandoned call returns
		r = h.Report(context.Background())
		if r.Status != healthcheck.Good || r.Checks[1].Value != "released" || slow.calls.Load() != 2 {
			t.Errorf("after release: %v %+v, %d calls", r.Status, r.Checks, slow.calls.Load())
		}
		if fast.Load() != 3 {
			t.Errorf("fast check called %d times, want 3", fast.Load())
		}
	})
}

func TestReportCheckHonouringContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHealth(t, healthcheck.Config{CheckTimeout: 300 * time.Millisecond})
		deadlines := make(chan time.Time, 1)
		h.Register("waits", func(ctx context.Context) healthcheck.Result {
			deadline, _ := ctx.Deadline()
			deadlines <- deadline
			<-ctx.Done()
			return healthcheck.Result{Status: healthcheck.Critical, Value: ctx.Err().Error()}
		})
		start := time.Now()
		r := h.Report(context.Background())
		if deadline := <-deadlines; !deadline.Equal(start.Add(300 * time.Millisecond)) {
			t.Errorf("the check's deadline is %v after the report started, want 300ms", deadline.Sub(start))
		}
		if r.Status != healthcheck.Critical || time.Since(start) != 300*time.Millisecond {
			t.Errorf("got %v %+v after %v", r.Status, r.Checks, time.Since(start))
		}
	})
}

func TestReportPanic(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
	h := newHealth(t, healthcheck.Config{Logger: logger, CacheFor: -1})
	h.Register("before", fixed(healthcheck.Result{Value: "fine"}, nil))
	h.Register("boom", func(context.Context) healthcheck.Result { panic("kaboom\nsecond line") })
	h.Register("nil map", func(context.Context) healthcheck.Result {
		var m map[string]int
		m["x"] = 1
		return healthcheck.Result{}
	})
	h.Register("after", fixed(healthcheck.Result{Value: "fine"}, nil))
	for range 3 {
		r := h.Report(context.Background())
		want := []healthcheck.CheckResult{
			{Name: "before", Status: healthcheck.Good, Value: "fine"},
			{Name: "boom", Status: healthcheck.Critical, Value: "panic: kaboom second line"},
			{Name: "nil map", Status: healthcheck.Critical, Value: "panic: assignment to entry in nil map"},
			{Name: "after", Status: healthcheck.Good, Value: "fine"},
		}
		if r.Status != healthcheck.Critical || !equalChecks(r.Checks, want) {
			t.Fatalf("got %v %+v, want CRITICAL %+v", r.Status, r.Checks, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	out := logs.String()
	if n := strings.Count(out, "check panicked"); n != 2 {
		t.Errorf("logged %d panics over 3 reports of 2 panicking checks, want 2 (the first of each):\n%s", n, out)
	}
	if !strings.Contains(out, "health_test.go") {
		t.Errorf("the panic log has no stack:\n%s", out)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// TestReportSingleflight: however many goroutines ask for a report while
// one is being built, the checks run once, and everyone gets that report.
func TestReportSingleflight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHealth(t, healthcheck.Config{CacheFor: -1, CheckTimeout: time.Hour})
		g := newGate(t)
		h.Register("gate", g.Check)
		const readers = 500
		reports := make([]healthcheck.Report, readers)
		var wg sync.WaitGroup
		for i := range readers {
			wg.Go(func() { reports[i] = h.Report(context.Background()) })
		}
		synctest.Wait() // every reader is waiting for the one report
		if n := g.calls.Load(); n != 1 {
			t.Fatalf("%d readers started %d reports, want 1", readers, n)
		}
		g.Release()
		wg.Wait()
		for i, r := range reports {
			if r.Time != reports[0].Time || !equalChecks(r.Checks, reports[0].Checks) || r.Checks[0].Value != "released" {
				t.Fatalf("reader %d got %+v, reader 0 %+v", i, r, reports[0])
			}
		}
		// Without a cache, the next report runs the checks again.
		h.Report(context.Background())
		if n := g.calls.Load(); n != 2 {
			t.Errorf("after the burst: %d calls, want 2", n)
		}
	})
}

func TestReportCache(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHealth(t, healthcheck.Config{}) // CacheFor: 250ms
		var calls atomic.Int64
		h.Register("a", fixed(healthcheck.Result{Value: "1"}, &calls))
		first := h.Report(context.Background())
		time.Sleep(249 * time.Millisecond)
		if r := h.Report(context.Background()); calls.Load() != 1 || r.Time != first.Time {
			t.Errorf("within CacheFor: %d calls, report of %v (first %v)", calls.Load(), r.Time, first.Time)
		}
		time.Sleep(time.Millisecond)
		if r := h.Report(context.Background()); calls.Load() != 2 || r.Time == first.Time {
			t.Errorf("after CacheFor: %d calls, report of %v", calls.Load(), r.Time)
		}

		// A caller may modify its copy without touching the cache.
		r := h.Report(context.Background())
		r.Checks[0].Value = "scribbled"
		if r := h.Report(context.Background()); r.Checks[0].Value != "1" || calls.Load() != 2 {
			t.Errorf("cached report changed by a caller: %+v (%d calls)", r.Checks, calls.Load())
		}

		// Register drops the cache, so a new check shows at once.
		h.Register("b", fixed(healthcheck.Result{Value: "2"}, nil))
		if r := h.Report(context.Background()); len(r.Checks) != 2 || calls.Load() != 3 {
			t.Errorf("after Register: %+v (%d calls)", r.Checks, calls.Load())
		}
	})
}

func TestReportContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHealth(t, healthcheck.Config{CheckTimeout: time.Hour, CacheFor: time.Hour})
		g := newGate(t)
		h.Register("gate", g.Check)
		type key struct{}
		var seen any
		h.Register("values", func(ctx context.Context) healthcheck.Result {
			seen = ctx.Value(key{})
			return healthcheck.Result{}
		})

		ctx, cancel := context.WithCancelCause(context.WithValue(context.Background(), key{}, "carried"))
		go func() {
			<-g.started
			cancel(errors.New("the client left"))
		}()
		r := h.Report(ctx)
		want := []healthcheck.CheckResult{{Name: "report", Status: healthcheck.Critical, Value: "not finished: the client left"}}
		if r.Status != healthcheck.Critical || !equalChecks(r.Checks, want) {
			t.Errorf("report cut short: %v %+v, want CRITICAL %+v", r.Status, r.Checks, want)
		}

		// The report goes on without that caller, and is cached.
		g.Release()
		synctest.Wait()
		r = h.Report(context.Background())
		if r.Status != healthcheck.Good || len(r.Checks) != 2 || g.calls.Load() != 1 {
			t.Errorf("next report: %v %+v, %d calls", r.Status, r.Checks, g.calls.Load())
		}
		if seen != "carried" {
			t.Errorf("the checks' context carried %v, want the caller's value", seen)
		}
	})
}

func equalChecks(a, b []healthcheck.CheckResult) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestReportBackToBack: a check that returned is never reported as still
// running by the next report, however soon it comes.
func TestReportBackToBack(t *testing.T) {
	h := newHealth(t, healthcheck.Config{CacheFor: -1})
	for i := range 8 {
		h.Register("check "+string(rune('a'+i)), fixed(healthcheck.Result{Value: "ok"}, nil))
	}
	for i := range 2000 {
		if r := h.Report(context.Background()); r.Status != healthcheck.Good {
			t.Fatalf("report %d: %+v", i, r.Checks)
		}
	}
}
