package e2e_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/opentsdb"
	"github.com/vitals-go/vitals/exporters/postgres"
	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

// spoolChildEnv holds, as JSON, the spoolChild that makes this test binary
// run TestSpoolChildProcess as the service of TestSpoolSIGKILL.
const spoolChildEnv = "VITALS_E2E_SPOOL_CHILD"

// spoolChild configures the service process of TestSpoolSIGKILL: a
// registry of 50 series exported every Interval to PostgreSQL and to
// VictoriaMetrics (OpenTSDB HTTP), with a memory queue of 5 snapshots and a
// spool.
type spoolChild struct {
	Mode      string // "outage": run until killed; "replay": until the spool is replayed, then shut down and exit
	PGURL     string
	TSDBURL   string
	NS        string // PostgreSQL schema and OpenTSDB metric prefix
	SpoolDir  string
	TakenFile string // each exporter's snapshots, appended one a line: "<exporter> <unix ms> <points>"
	Interval  time.Duration
}

// childStatus is what the service prints on stdout, one JSON line every
// few milliseconds, and once more after Shutdown (Final).
type childStatus struct {
	SinceTick time.Duration // since the last snapshot was taken
	Taken     int           // snapshots taken by this process
	Exporters map[string]exporters.ExporterHealth
	Final     bool
}

// fileLedger wraps an exporter and appends each snapshot it is given to
// count to a file, so that the test knows what a process it killed took.
type fileLedger struct {
	name string
	exp  interface {
		exporters.Exporter
		exporters.PointCounter
	}
	file *os.File
}

func (l *fileLedger) Points(snap metrics.Snapshot) int {
	n := l.exp.Points(snap)
	fmt.Fprintf(l.file, "%s %d %d\n", l.name, snap.Time.UnixMilli(), n) // one write(2): kept by the kernel on SIGKILL
	return n
}

func (l *fileLedger) Export(ctx context.Context, snap metrics.Snapshot) error {
	return l.exp.Export(ctx, snap)
}

func (l *fileLedger) Shutdown(ctx context.Context) error { return l.exp.Shutdown(ctx) }

// TestSpoolChildProcess is the service that TestSpoolSIGKILL runs (and
// kills) in a process of its own; it does nothing when run otherwise.
func TestSpoolChildProcess(t *testing.T) {
	raw := os.Getenv(spoolChildEnv)
	if raw == "" {
		t.Skip("the service process of TestSpoolSIGKILL")
	}
	var c spoolChild
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		t.Fatal(err)
	}
	taken, err := os.OpenFile(c.TakenFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pg, err := postgres.New(ctx, postgres.Config{URL: c.PGURL, Schema: c.NS, Timeout: exportTimeout, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	tsdb, err := opentsdb.New(opentsdb.Config{URL: c.TSDBURL, Prefix: c.NS, Timeout: exportTimeout,
		BatchSize: 5000, MaxRequestBytes: 4 << 20, Logger: log})
	if err != nil {
		t.Fatal(err)
	}

	p := newPipeline(t, "service", 50, 5)
	var lastTick, ticks atomic.Int64
	rep, err := exporters.Start(p.reg, exporters.Config{
		Exporters: map[string]exporters.Exporter{
			"postgres": &fileLedger{name: "postgres", exp: pg, file: taken},
			"opentsdb": &fileLedger{name: "opentsdb", exp: tsdb, file: taken},
		},
		Interval:   c.Interval,
		QueueSize:  p.queueSize,
		Timeout:    exportTimeout,
		MinBackoff: 20 * time.Millisecond,
		MaxBackoff: 100 * time.Millisecond,
		SpoolDir:   c.SpoolDir,
		Logger:     log,
		OnSnapshot: func(metrics.Snapshot) {
			lastTick.Store(time.Now().UnixNano())
			ticks.Add(1)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	hot := startHotLoop(t, p)
	out := json.NewEncoder(os.Stdout)
	status := func(final bool) childStatus {
		s := childStatus{
			SinceTick: time.Since(time.Unix(0, lastTick.Load())),
			Taken:     int(ticks.Load()),
			Exporters: map[string]exporters.ExporterHealth{},
			Final:     final,
		}
		for _, h := range rep.Health() {
			s.Exporters[h.Name] = h
		}
		if err := out.Encode(s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	for {
		time.Sleep(2 * time.Millisecond)
		s := status(false)
		if c.Mode != "replay" || s.Taken < 5 {
			continue
		}
		done := true
		for _, h := range s.Exporters {
			done = done && h.Spool.Records == 0 && h.Queued == 0
		}
		if done {
			break
		}
	}
	hot.end()
	ctx, cancel = context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := rep.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	status(true)
}

// child is a running service process.
type child struct {
	cmd    *exec.Cmd
	stderr *testkit.Buffer
	exited chan error

	mu   sync.Mutex
	last childStatus
	seen chan struct{} // signalled at every status line
}

// startChild runs the service of TestSpoolChildProcess in mode.
func startChild(t *testing.T, c spoolChild, mode string) *child {
	t.Helper()
	c.Mode = mode
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSpoolChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), spoolChildEnv+"="+string(raw))
	ch := &child{cmd: cmd, stderr: new(testkit.Buffer), exited: make(chan error, 1), seen: make(chan struct{}, 1)}
	cmd.Stderr = ch.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill() //nolint:errcheck // may have exited
		<-ch.exited
		if t.Failed() {
			t.Logf("%s process's log:\n%s", mode, ch.stderr.String())
		}
	})
	go func() {
		lines := bufio.NewScanner(stdout)
		lines.Buffer(nil, 1<<20)
		for lines.Scan() {
			var s childStatus
			if !strings.HasPrefix(lines.Text(), "{") || json.Unmarshal(lines.Bytes(), &s) != nil {
				fmt.Fprintln(ch.stderr, lines.Text())
				continue
			}
			ch.mu.Lock()
			ch.last = s
			ch.mu.Unlock()
			select {
			case ch.seen <- struct{}{}:
			default:
			}
		}
		io.Copy(io.Discard, stdout) //nolint:errcheck // draining
		ch.exited <- cmd.Wait()
	}()
	return ch
}

// waitFor returns the first status line for which cond holds.
func (c *child) waitFor(t *testing.T, what string, cond func(childStatus) bool) childStatus {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case <-c.seen:
		case err := <-c.exited:
			c.exited <- err
			t.Fatalf("the service exited (%v) while waiting for %s", err, what)
		case <-deadline:
			t.Fatalf("timed out waiting for %s; last status %+v", what, c.status())
		}
		if s := c.status(); cond(s) {
			return s
		}
	}
}

func (c *child) status() childStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// TestSpoolSIGKILL runs a service exporting to PostgreSQL and to
// VictoriaMetrics, stops both servers, and kills the service with SIGKILL
// once each exporter has spooled 20 snapshots. With both servers back, a
// new process of the service on the same spool directory replays what the
// first one left. Then both servers hold every snapshot that either process
// took, exactly once: VictoriaMetrics's raw samples, which would keep
// duplicates, as well as PostgreSQL's rows; and the two processes together
// counted every point once, as exported.
//
// In "quiet", the kill comes just after a tick, once nothing is left in
// memory (every snapshot of an outage is spooled within milliseconds of its
// tick): nothing may be missing. In "anytime" it comes as soon as 20
// snapshots are spooled: the one snapshot taken in the instant before the
// kill may be missing, counted by nobody (it was in memory), or counted as
// dropped by the second process (its record was torn).
func TestSpoolSIGKILL(t *testing.T) {
	pg := testenv.Postgres(t)
	vm := testenv.VictoriaMetrics(t)
	restartPostgres(t, pg)
	t.Cleanup(func() {
		if err := vm.Start(); err != nil {
			t.Errorf("restarting VictoriaMetrics: %v", err)
		}
	})
	for _, quiet := range []bool{true, false} {
		name := map[bool]string{true: "quiet", false: "anytime"}[quiet]
		t.Run(name, func(t *testing.T) { testSpoolSIGKILL(t, pg, vm, quiet) })
	}
}

func testSpoolSIGKILL(t *testing.T, pg *testenv.PostgresServer, vm *testenv.VMServer, quiet bool) {
	const interval = 100 * time.Millisecond
	cfg := spoolChild{
		PGURL:    pg.URL,
		TSDBURL:  vm.OpenTSDBHTTPURL,
		NS:       fmt.Sprintf("e2e_spool_kill_%d", time.Now().UnixNano()),
		SpoolDir: t.TempDir(),
		Interval: interval,
	}
	backends := map[string]backend{"postgres": pgBackend{pg: pg}, "opentsdb": vmBackend{vm: vm, url: vm.OpenTSDBHTTPURL}}
	takenFiles := []string{filepath.Join(t.TempDir(), "taken1"), filepath.Join(t.TempDir(), "taken2")}

	cfg.TakenFile = takenFiles[0]
	first := startChild(t, cfg, "outage")
	first.waitFor(t, "exports to both backends", func(s childStatus) bool {
		return len(s.Exporters) == 2 && s.Exporters["postgres"].Exported > 0 && s.Exporters["opentsdb"].Exported > 0
	})
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := vm.Stop(); err != nil {
		t.Fatal(err)
	}
	killed := first.waitFor(t, "20 snapshots spooled per exporter", func(s childStatus) bool {
		for _, h := range s.Exporters {
			if h.Spool.Records < 20 || (quiet && h.Queued != 0) {
				return false
			}
		}
		return !quiet || s.SinceTick < interval/2
	})
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := <-first.exited; err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the first process ended with %v, not SIGKILL", err)
	}
	first.exited <- nil // for the cleanup

	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	if err := vm.Start(); err != nil {
		t.Fatal(err)
	}
	cfg.TakenFile = takenFiles[1]
	second := startChild(t, cfg, "replay")
	select {
	case err := <-second.exited:
		second.exited <- err
		if err != nil {
			t.Fatalf("the second process: %v", err)
		}
	case <-time.After(50 * time.Second):
		t.Fatalf("the second process did not replay the spool; last status %+v", second.status())
	}
	final := second.status()
	if !final.Final {
		t.Fatalf("the second process's last status is not its final one: %+v", final)
	}

	taken1, taken2 := readTaken(t, takenFiles[0]), readTaken(t, takenFiles[1])
	for name, b := range backends {
		taken, total := map[int64]int{}, int64(0)
		last := int64(0) // the last snapshot the first process took
		for ts, n := range taken1[name] {
			taken[ts] = n
			total += int64(n)
			last = max(last, ts)
		}
		for ts, n := range taken2[name] {
			taken[ts] = n
			total += int64(n)
		}
		want := taken
		missing := int64(0)
		if !quiet && !stores(t, b, cfg.NS, last) {
			want = map[int64]int{}
			for ts, n := range taken {
				if ts != last {
					want[ts] = n
				}
			}
			missing = int64(taken[last])
		}
		k, f := killed.Exporters[name], final.Exporters[name]
		t.Logf("%s: %d snapshots taken (%d points); killed with %d spooled (%d points, %.1f KiB), %d exported; the second process exported %d, dropped %d; missing: %d points",
			name, len(taken), total, k.Spool.Records, k.Spool.Points, float64(k.Spool.Bytes)/1024, k.Exported, f.Exported, f.Dropped, missing)
		checkStored(t, b, cfg.NS, taken, want)
		if k.Exported+f.Exported != total-missing || k.Dropped != 0 || (f.Dropped != 0 && f.Dropped != missing) || f.Rejected != 0 {
			t.Errorf("%s: the first process exported %d, the second %d, of %d points (%d missing); dropped %d and %d; want every point stored exported once",
				name, k.Exported, f.Exported, total, missing, k.Dropped, f.Dropped)
		}
	}
}

// stores reports whether b holds points of namespace ns at time ts (Unix
// ms), once it holds any.
func stores(t *testing.T, b backend, ns string, ts int64) bool {
	t.Helper()
	var stored map[int64]int
	testkit.Poll(t, 20*time.Second, "the backend to answer", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		stored, _, err = b.read(ctx, ns)
		return err == nil
	})
	return stored[ts] > 0
}

// readTaken reads a TakenFile: per exporter, the points of each snapshot
// by time.
func readTaken(t *testing.T, path string) map[string]map[int64]int {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[int64]int{}
	for line := range strings.Lines(string(raw)) {
		f := strings.Fields(line)
		if len(f) != 3 {
			t.Fatalf("%s: line %q", path, line)
		}
		ts, err1 := strconv.ParseInt(f[1], 10, 64)
		n, err2 := strconv.Atoi(f[2])
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: line %q", path, line)
		}
		if out[f[0]] == nil {
			out[f[0]] = map[int64]int{}
		}
		if _, dup := out[f[0]][ts]; dup {
			t.Fatalf("%s: two snapshots of %s at %d", path, f[0], ts)
		}
		out[f[0]][ts] = n
	}
	return out
}
