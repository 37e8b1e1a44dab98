package testkit_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/testkit"
)

func TestPoll(t *testing.T) {
	var calls atomic.Int64
	testkit.Poll(t, 10*time.Second, "the third call", func() bool { return calls.Add(1) == 3 })
	if n := calls.Load(); n != 3 {
		t.Errorf("cond called %d times, want 3", n)
	}
}

// fatalTB records Fatalf instead of ending the test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
}

func TestPollTimesOut(t *testing.T) {
	tb := &fatalTB{TB: t}
	start := time.Now()
	testkit.Poll(tb, 50*time.Millisecond, "never", func() bool { return tb.msg != "" })
	if want := "timed out after 50ms waiting for never"; tb.msg != want {
		t.Errorf("Fatalf(%q), want %q", tb.msg, want)
	}
	if took := time.Since(start); took < 50*time.Millisecond {
		t.Errorf("gave up after %v, before 50ms", took)
	}
}

func TestGoroutines(t *testing.T) {
	const frame = "sync.(*WaitGroup).Wait"
	if gs := testkit.Goroutines(frame); len(gs) != 0 {
		t.Fatalf("%d goroutines already wait on a WaitGroup:\n%s", len(gs), strings.Join(gs, "\n\n"))
	}
	var wg sync.WaitGroup
	wg.Add(1)
	done := make(chan struct{})
	go func() { // runs test code, but waits in sync's
		defer close(done)
		wg.Wait()
	}()
	testkit.Poll(t, 10*time.Second, "the goroutine to wait", func() bool { return len(testkit.Goroutines(frame)) == 1 })
	if gs := testkit.WaitGoroutines(10*time.Millisecond, frame); len(gs) != 1 || !strings.Contains(gs[0], frame) {
		t.Errorf("WaitGoroutines = %q, want the waiting goroutine", gs)
	}
	if gs := testkit.Goroutines("testkit_test.TestGoroutines"); len(gs) != 0 {
		t.Errorf("test code was taken for a package's: %q", gs)
	}
	wg.Done()
	<-done
	if gs := testkit.WaitGoroutines(10*time.Second, frame); len(gs) != 0 {
		t.Errorf("WaitGoroutines after the end = %q", gs)
	}
}
