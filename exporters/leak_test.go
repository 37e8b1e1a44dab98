package exporters_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain fails the run if any goroutine of a Reporter outlives the tests,
// whichever test started it.
func TestMain(m *testing.M) {
	code := m.Run()
	deadline := time.Now().Add(5 * time.Second)
	for gs := reporterGoroutines(); len(gs) > 0; gs = reporterGoroutines() {
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "FAIL: %d Reporter goroutines outlived the tests:\n%s\n", len(gs), strings.Join(gs, "\n\n"))
			code = 1
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	os.Exit(code)
}
