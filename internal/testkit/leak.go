package testkit

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// MainLeakCheck runs the tests of m, then fails the run if a goroutine
// running a function whose name contains one of frames outlives them by
// more than within, whichever test started it. Its result is for os.Exit:
//
//	func TestMain(m *testing.M) {
//		os.Exit(testkit.MainLeakCheck(m, 5*time.Second, "vitals/exporters.(*worker)"))
//	}
//
// The wait lets a goroutine that has signalled its end return, as goleak
// does; one that is blocked fails the run, with its stack printed.
func MainLeakCheck(m *testing.M, within time.Duration, frames ...string) int {
	code := m.Run()
	if gs := WaitGoroutines(within, frames...); len(gs) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d goroutines outlived the tests:\n%s\n", len(gs), strings.Join(gs, "\n\n"))
		return 1
	}
	return code
}

// WaitGoroutines waits up to within for the goroutines that Goroutines
// finds to end, and returns the stacks of those that did not.
func WaitGoroutines(within time.Duration, frames ...string) []string {
	deadline := time.Now().Add(within)
	for wait := time.Millisecond; ; wait = min(2*wait, maxPollInterval) {
		gs := Goroutines(frames...)
		if len(gs) == 0 || time.Now().After(deadline) {
			return gs
		}
		time.Sleep(wait)
	}
}

// Goroutines returns the stacks of the goroutines, other than the
// caller's, that run a function whose qualified name contains one of
// frames, such as "vitals/healthcheck." or "net/http.(*conn).serve": a
// line of the stack matches unless it is test code (a name or file with
// "_test."), so a test's goroutine that calls into a package is not taken
// for one of the package's own.
func Goroutines(frames ...string) []string {
	var out []string
	for _, g := range Stacks()[1:] {
		for line := range strings.SplitSeq(g, "\n") {
			if !strings.Contains(line, "_test.") && containsAny(line, frames) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// Stacks returns the stack of every goroutine, one string each, the
// caller's first, as runtime.Stack prints them.
func Stacks() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(string(buf[:n]), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
