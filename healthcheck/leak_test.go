package healthcheck_test

import (
	"os"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/testkit"
)

// TestMain fails the run if a goroutine of a Server or a Health outlives
// the tests, whichever test started it. Checks that tests abandon are
// released by the tests, so their goroutines end too.
func TestMain(m *testing.M) {
	os.Exit(testkit.MainLeakCheck(m, 10*time.Second, "vitals/healthcheck."))
}
