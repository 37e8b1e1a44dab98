package exporters_test

import (
	"os"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/testkit"
)

// reporterFrames find the goroutines running a Reporter's own code: its
// ticker and its workers.
var reporterFrames = []string{"vitals/exporters.(*worker)", "vitals/exporters.(*Reporter).tick"}

// TestMain fails the run if any goroutine of a Reporter outlives the tests,
// whichever test started it.
func TestMain(m *testing.M) {
	os.Exit(testkit.MainLeakCheck(m, 5*time.Second, reporterFrames...))
}
