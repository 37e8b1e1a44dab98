package e2e_test

import (
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// waitFor polls cond every 50 ms until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// testLogger returns a logger whose lines are shown only if t fails.
func testLogger(t *testing.T) *slog.Logger {
	t.Helper()
	var logs testkit.Buffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	return slog.New(slog.NewTextHandler(&logs, nil))
}
