package metrics

import (
	"os/exec"
	"strings"
	"testing"
)

// TestHotPathsInline checks that the compiler inlines the updates meant to
// cost no more than the atomic operation they amount to: a change that
// pushes one over the inlining budget adds a call to every update (1 to 2
// ns, a third of a gauge update). It builds the package with -gcflags=-m.
func TestHotPathsInline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the package")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool:", err)
	}
	out, err := exec.Command(goTool, "build", "-gcflags=-m", "-o", "/dev/null", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build -gcflags=-m: %v\n%s", err, out)
	}
	for _, fn := range []string{"(*Counter).Inc", "(*Gauge).Update", "(*GaugeFloat64).Update", "(*Meter).Mark"} {
		if !strings.Contains(string(out), "can inline "+fn+"\n") && !strings.Contains(string(out), "can inline "+fn+" ") {
			t.Errorf("%s is not inlined any more; keep its slow path in another function", fn)
		}
	}
}
