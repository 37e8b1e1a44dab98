//go:build unix

package spool

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// The helper process: re-executed test binary that opens the directory in
// $SPOOL_LOCK_DIR. With SPOOL_LOCK_MODE=try it prints what Open returned;
// with hold it prints "holding" and keeps the spool open until its stdin
// closes or it is killed.
func TestLockHelperProcess(t *testing.T) {
	dir := os.Getenv("SPOOL_LOCK_DIR")
	if dir == "" {
		return // not the helper
	}
	s, err := Open(dir, 1<<20, nil)
	if err != nil {
		fmt.Printf("open error: locked=%v: %v\n", errors.Is(err, ErrLocked), err)
		return
	}
	fmt.Println("holding")
	if os.Getenv("SPOOL_LOCK_MODE") == "hold" {
		io.Copy(io.Discard, os.Stdin)
	}
	s.Close()
}

func lockHelper(t *testing.T, dir, mode string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SPOOL_LOCK_DIR="+dir, "SPOOL_LOCK_MODE="+mode)
	return cmd
}

// Another process opening the directory gets ErrLocked naming this process.
func TestOpenFromAnotherProcessRefused(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, 1<<20, nil)
	out, err := lockHelper(t, dir, "try").CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	want := "locked=true: spool: " + dir + " is in use by process " + strconv.Itoa(os.Getpid())
	if !strings.Contains(string(out), want) {
		t.Fatalf("helper said:\n%s\nwant a line containing %q", out, want)
	}
	s.Close()
	out, err = lockHelper(t, dir, "try").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "holding") {
		t.Fatalf("helper after Close: %v\n%s", err, out)
	}
}

// A process that holds the lock and dies (SIGKILL) releases it: no stale
// lock survives a crash.
func TestLockReleasedWhenHolderDies(t *testing.T) {
	dir := t.TempDir()
	cmd := lockHelper(t, dir, "hold")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "holding\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper said %q, %v", line, err)
	}
	_, err = Open(dir, 1<<20, nil)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "process "+strconv.Itoa(cmd.Process.Pid)) {
		t.Errorf("Open while another process holds it: %v; want ErrLocked naming pid %d", err, cmd.Process.Pid)
	}
	cmd.Process.Kill()
	cmd.Wait()
	s, err := Open(dir, 1<<20, nil)
	if err != nil {
		t.Fatalf("Open after the holder died: %v", err)
	}
	s.Close()
}
