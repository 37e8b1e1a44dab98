package healthcheck_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/testkit"
)

// TestMain fails the run if a goroutine of a Server or a Health outlives
// the tests, whichever test started it. Checks that tests abandon are
// released by the tests, so their goroutines end too.
func TestMain(m *testing.M) {
	code := m.Run()
	if gs := waitGoroutines(10*time.Second, "vitals/healthcheck."); len(gs) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d healthcheck goroutines outlived the tests:\n%s\n", len(gs), strings.Join(gs, "\n\n"))
		code = 1
	}
	os.Exit(code)
}

// waitGoroutines waits up to timeout for the goroutines whose stack
// mentions any of frames (other than test code) to end, and returns those
// that did not.
func waitGoroutines(timeout time.Duration, frames ...string) []string {
	deadline := time.Now().Add(timeout)
	for {
		gs := goroutines(frames...)
		if len(gs) == 0 || time.Now().After(deadline) {
			return gs
		}
		time.Sleep(10 * time.Millisecond) // polling for an end, not ordering events
	}
}

// goroutines returns the stacks of the goroutines that run a function of
// the package (not of its tests) whose name contains one of frames.
func goroutines(frames ...string) []string {
	var out []string
	for _, g := range testkit.Stacks() {
		for line := range strings.SplitSeq(g, "\n") {
			if !strings.Contains(line, "_test.") && !strings.Contains(line, "healthcheck_test") &&
				containsAny(line, frames) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
