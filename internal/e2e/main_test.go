package e2e_test

import (
	"log/slog"
	"os"
	"testing"

	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

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
