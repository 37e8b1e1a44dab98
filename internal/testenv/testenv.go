package testenv

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const (
	// dirPrefix prefixes every temporary directory; it is followed by the
	// pid of the owning test binary so that stale directories can be found.
	dirPrefix = "vitals-testenv-"

	startTimeout = 30 * time.Second
	stopTimeout  = 30 * time.Second
	pollInterval = 50 * time.Millisecond
)

// mainActive is set by Main; servers refuse to start without it, because
// nothing else would stop them and delete their data.
var mainActive atomic.Bool

// registry holds the cleanup functions of every started server.
var registry struct {
	sync.Mutex
	cleanups []func() error
	closed   bool
}

// Main runs the tests of m and then stops every server started by this
// package and deletes its data, whatever the test outcome. It returns the
// exit code for os.Exit:
//
//	func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
//
// On SIGINT or SIGTERM (unless ignored) it also cleans up before letting the
// signal terminate the process.
func Main(m *testing.M) int {
	mainActive.Store(true)

	sigs := make(chan os.Signal, 1)
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGTERM} {
		if !signal.Ignored(sig) {
			signal.Notify(sigs, sig)
		}
	}
	stopSigs := make(chan struct{})
	sigDone := make(chan struct{})
	go func() {
		defer close(sigDone)
		select {
		case sig := <-sigs:
			cleanupAll()
			signal.Reset(sig.(syscall.Signal))
			_ = syscall.Kill(os.Getpid(), sig.(syscall.Signal))
		case <-stopSigs:
		}
	}()

	code := m.Run()

	signal.Stop(sigs)
	close(stopSigs)
	<-sigDone
	cleanupAll()
	return code
}

// cleanupAll runs every registered cleanup once, reporting errors on stderr.
func cleanupAll() {
	registry.Lock()
	defer registry.Unlock()
	if registry.closed {
		return
	}
	registry.closed = true
	for i := len(registry.cleanups) - 1; i >= 0; i-- {
		if err := registry.cleanups[i](); err != nil {
			fmt.Fprintf(os.Stderr, "testenv: cleanup: %v\n", err)
		}
	}
	registry.cleanups = nil
}

// register adds a cleanup to run at the end of Main. It fails once Main has
// already cleaned up.
func register(f func() error) error {
	registry.Lock()
	defer registry.Unlock()
	if registry.closed {
		return errors.New("testenv: Main has already cleaned up; cannot start servers any more")
	}
	registry.cleanups = append(registry.cleanups, f)
	return nil
}

// startError is a failure to make a server available, with the tail of the
// server's log when there is one.
type startError struct {
	err     error
	logTail string
}

func (e *startError) Error() string { return e.err.Error() }
func (e *startError) Unwrap() error { return e.err }

// unavailable applies the policy for a server that could not be started:
// fail under CI=true, skip otherwise.
func unavailable(t testing.TB, what, pkg string, err error) {
	t.Helper()
	var tail string
	var se *startError
	if errors.As(err, &se) && se.logTail != "" {
		tail = "\n--- log tail ---\n" + se.logTail
	}
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		t.Fatalf("testenv: %s could not be started: %v%s", what, err, tail)
	}
	t.Skipf("testenv: %s not available (%v); install it with: apt-get install -y %s%s", what, err, pkg, tail)
}

// requireMain fails the test if the binary's TestMain does not use Main.
func requireMain(t testing.TB) {
	t.Helper()
	if !mainActive.Load() {
		t.Fatalf("testenv: servers need cleanup; add to the package's tests: func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }")
	}
}

var sweepOnce sync.Once

// sweepStale removes testenv directories whose owning test binary is gone
// (for instance killed before Main could clean up).
func sweepStale() {
	sweepOnce.Do(func() {
		matches, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
		for _, dir := range matches {
			rest := strings.TrimPrefix(filepath.Base(dir), dirPrefix)
			pidStr, _, ok := strings.Cut(rest, "-")
			if !ok {
				continue
			}
			pid, err := strconv.Atoi(pidStr)
			if err != nil || pid <= 0 || pid == os.Getpid() {
				continue
			}
			if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
				_ = os.RemoveAll(dir)
			}
		}
	})
}

// makeTempDir creates os.TempDir()/vitals-testenv-<pid>-<kind>-* and
// registers its removal.
func makeTempDir(kind string) (string, error) {
	sweepStale()
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-%s-", dirPrefix, os.Getpid(), kind))
	if err != nil {
		return "", err
	}
	if err := register(func() error { return os.RemoveAll(dir) }); err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago. With
// udp it also checks that the UDP port of the same number is free.
func freePort(udp bool) (int, error) {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		if udp {
			pc, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			if err != nil {
				l.Close()
				continue
			}
			pc.Close()
		}
		l.Close()
		return port, nil
	}
	return 0, errors.New("no free port found")
}

// proc is a running child process.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // exit status; valid once done is closed
}

// startProc starts path with args, output appended to logPath. The child is
// in its own process group and is killed if the test binary dies.
func startProc(path string, args []string, dir, logPath string, cred *syscall.Credential, env []string) (*proc, error) {
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child keeps its own copy
	fmt.Fprintf(logf, "=== %s %s: %s %s\n", time.Now().Format(time.RFC3339Nano), "start", path, strings.Join(args, " "))

	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL,
		Credential: cred,
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has exited.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends sig, waits up to stopTimeout for the process to exit and then
// kills its whole process group.
func (p *proc) stop(sig syscall.Signal) error {
	if p.exited() {
		return nil
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return nil
	case <-time.After(stopTimeout):
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
	return fmt.Errorf("%s did not exit within %v after %v; killed", filepath.Base(p.cmd.Path), stopTimeout, sig)
}

// waitReady polls ready until it succeeds, the process exits or
// startTimeout passes.
func waitReady(p *proc, ready func() error) error {
	deadline := time.Now().Add(startTimeout)
	for {
		err := ready()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %v", startTimeout, err)
		}
		select {
		case <-p.done:
			return fmt.Errorf("exited during start-up: %v", p.err)
		case <-time.After(pollInterval):
		}
	}
}

// logTail returns the last lines of the log file at path.
func logTail(path string) string {
	const maxBytes = 4096
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > maxBytes {
		_, _ = f.Seek(st.Size()-maxBytes, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	s := string(b)
	if len(b) == maxBytes {
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:]
		}
	}
	return strings.TrimRight(s, "\n")
}

// tcpReady reports whether a TCP connection to addr can be opened.
func tcpReady(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	return c.Close()
}
