package e2e_test

import (
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/internal/testkit"
)

// TestQuickstartStopsWithDeadBackend runs examples/quickstart as the README
// shows it, exporting to an OpenTSDB address where nothing listens, and
// stops it with SIGTERM: it must exit within the default shutdown bound
// (5 s), having logged what it waited for and how many points it gave up.
func TestQuickstartStopsWithDeadBackend(t *testing.T) {
	bin := testenv.GoBuild(t, "../../examples/quickstart")
	for _, url := range []string{"tcp://" + freeAddr(t), "http://" + freeAddr(t)} {
		t.Run(strings.Split(url, ":")[0], func(t *testing.T) {
			cmd, stderr, exited := startQuickstart(t, bin, url)
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			begin := time.Now()
			select {
			case err := <-exited:
				if took := time.Since(begin); took > 5*time.Second+2*time.Second {
					t.Errorf("exited %v after SIGTERM; want within the 5 s bound", took)
				}
				if err != nil {
					t.Errorf("exit: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("still running 20 s after SIGTERM\n%s", stderr.String())
			}
			logs := stderr.String()
			if !strings.Contains(logs, "Shutdown is waiting for an exporter") {
				t.Errorf("nothing logged while Shutdown waited:\n%s", logs)
			}
			gaveUp := regexp.MustCompile(`Shutdown gave up.*: (\d+) points in \d+ snapshots not delivered`).FindStringSubmatch(logs)
			if gaveUp == nil {
				t.Fatalf("no log of the undelivered points:\n%s", logs)
			}
			if n, _ := strconv.Atoi(gaveUp[1]); n == 0 {
				t.Errorf("Shutdown gave up 0 points:\n%s", logs)
			}
		})
	}

	// A second Ctrl-C during the final flush ends the process at once.
	cmd, stderr, exited := startQuickstart(t, bin, "tcp://"+freeAddr(t))
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	testkit.Poll(t, 10*time.Second, "Shutdown to start waiting", func() bool {
		return strings.Contains(stderr.String(), "Shutdown is waiting")
	})
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if !cmd.ProcessState.Exited() && cmd.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGINT {
			t.Errorf("after a second SIGINT: %v", cmd.ProcessState)
		}
	case <-time.After(time.Second):
		t.Fatalf("the second SIGINT did not end the process\n%s", stderr.String())
	}
}

// startQuickstart starts the quickstart binary exporting to url and waits
// until its health socket reports a failed export.
func startQuickstart(t *testing.T, bin, url string) (*exec.Cmd, *testkit.Buffer, <-chan error) {
	t.Helper()
	healthAddr := freeAddr(t)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"VITALS_OPENTSDB_URL="+url,
		"VITALS_FLUSH_INTERVAL=200ms",
		"VITALS_HEALTH_ADDR="+healthAddr,
		"VITALS_PPROF_ADDR=off",
	)
	stderr := new(testkit.Buffer)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() }) //nolint:errcheck // may have exited already

	testkit.Poll(t, 20*time.Second, "a failed export on the health socket", func() bool {
		conn, err := net.Dial("tcp", healthAddr)
		if err != nil {
			return false
		}
		defer conn.Close()
		b, _ := io.ReadAll(conn)
		return strings.Contains(string(b), "failing: ")
	})
	return cmd, stderr, exited
}
