package testenv

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// GoBuild builds the Go package at pkg (a path as the go command takes it,
// relative to the test's directory) into a temporary directory and returns
// the binary's path. Without the go command on PATH the test fails under
// CI=true and is skipped elsewhere, like a missing server.
func GoBuild(t testing.TB, pkg string) string {
	t.Helper()
	gobin := GoCommand(t)
	bin := filepath.Join(t.TempDir(), filepath.Base(pkg))
	if out, err := exec.Command(gobin, "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// GoCommand returns the path of the go command. Without it on PATH the test
// fails under CI=true and is skipped elsewhere.
func GoCommand(t testing.TB) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		unavailable(t, "the go command", "golang-go", err)
	}
	return gobin
}
