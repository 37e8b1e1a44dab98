package e2e_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/internal/testkit"
)

// The disk spool (exporters.Config.SpoolDir) against a real PostgreSQL:
// an outage far longer than the memory queue loses nothing; a spool at its
// cap, or on a full disk, drops exactly what it counts, with no error to
// the application; a damaged spool file is skipped with a log line. The
// process killed in an outage is in spool_kill_test.go.

// spoolOutageEnv, set to a duration such as 5m, runs TestSpoolOutage for
// that long with 1 s flushes instead of 300 flushes 50 ms apart.
const spoolOutageEnv = "VITALS_SPOOL_OUTAGE"

// spoolOutage returns the interval and the number of flushes of
// TestSpoolOutage's outage.
func spoolOutage(t *testing.T) (interval time.Duration, flushes int) {
	t.Helper()
	v := os.Getenv(spoolOutageEnv)
	if v == "" {
		return 50 * time.Millisecond, 300
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		t.Fatalf("%s=%q: want a duration of 1s or more, such as 5m", spoolOutageEnv, v)
	}
	return time.Second, int(d / time.Second)
}

// startSpooled starts p exporting to PostgreSQL schema ns through a fresh
// exporter, with a spool in dir.
func startSpooled(t *testing.T, p *pipeline, b pgBackend, ns, dir string, interval time.Duration, maxBytes int64) {
	t.Helper()
	log := testLogger(t)
	p.start(t, b.exporter(t, ns, log), exporters.Config{
		Interval:      interval,
		Timeout:       exportTimeout,
		MinBackoff:    50 * time.Millisecond,
		MaxBackoff:    300 * time.Millisecond,
		SpoolDir:      dir,
		SpoolMaxBytes: maxBytes,
		Logger:        log,
	})
}

// restartPostgres arranges for PostgreSQL to be running when the test ends.
func restartPostgres(t *testing.T, pg *testenv.PostgresServer) {
	t.Cleanup(func() {
		if err := pg.Start(); err != nil {
			t.Errorf("restarting PostgreSQL: %v", err)
		}
	})
}

// TestSpoolOutage stops PostgreSQL for 300 flushes with a memory queue of 5
// snapshots (15 s at 50 ms; with VITALS_SPOOL_OUTAGE=5m, 5 minutes of 1 s
// flushes) while the application keeps updating metrics. The hot path
// never stalls, nothing is dropped, and once PostgreSQL is back every
// snapshot is stored exactly once.
func TestSpoolOutage(t *testing.T) {
	interval, flushes := spoolOutage(t)
	pg := testenv.Postgres(t)
	restartPostgres(t, pg)
	b := pgBackend{pg: pg}
	ns := fmt.Sprintf("e2e_spool_outage_%d", time.Now().UnixNano())
	p := newPipeline(t, "spooled", 200, 5)
	startSpooled(t, p, b, ns, t.TempDir(), interval, 0)
	hot := startHotLoop(t, p)
	testkit.Poll(t, 20*time.Second, "two exports", func() bool { return p.health().Exported > 0 && p.led.calls.Load() >= 2 })

	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	begin, takenBefore := time.Now(), p.led.countTaken()
	hot.window()
	var longest time.Duration
	var peak exporters.SpoolHealth
	sampled := begin
	for p.led.countTaken()-takenBefore < flushes {
		time.Sleep(100 * time.Millisecond)
		if time.Since(sampled) >= time.Second {
			n, gap := hot.window()
			if n == 0 || gap >= stallLimit {
				t.Fatalf("the hot path stalled during the outage: %d updates in %v, longest iteration %v", n, time.Since(sampled), gap)
			}
			longest, sampled = max(longest, gap), time.Now()
		}
		if h := p.health(); h.Spool.Records > peak.Records {
			peak = h.Spool
		}
		if h := p.health(); h.Dropped != 0 || h.Spool.Error != "" || h.Queued > p.queueSize {
			t.Fatalf("during the outage: %+v", h)
		}
	}
	outage := time.Since(begin)

	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	recovered := time.Now()
	testkit.Poll(t, 60*time.Second, "the spool to be replayed", func() bool {
		h := p.health()
		return h.Spool.Records == 0 && h.Queued == 0 && h.LastSuccess.After(recovered)
	})
	replayed := time.Since(recovered)
	hot.end()
	h := p.shutdown(t)
	t.Logf("PostgreSQL stopped for %v (%d flushes of %v, queue of %d); spool at its peak: %d snapshots, %d points, %.1f MiB; replayed in %v; hot path's longest iteration %v",
		outage.Round(time.Millisecond), flushes, interval, p.queueSize, peak.Records, peak.Points, mib(peak.Bytes),
		replayed.Round(time.Millisecond), longest.Round(time.Microsecond))
	if peak.Records < flushes-2*p.queueSize {
		t.Errorf("at most %d snapshots were spooled during %d flushes", peak.Records, flushes)
	}
	checkDelivery(t, b, ns, p, h, nil)
}

// TestSpoolFull fills the spool during a PostgreSQL outage, with 5,000
// series a snapshot (about 55 KB on disk): in "cap", the spool's own limit (1 MiB) makes it drop
// its oldest snapshots; in "disk", a 1 MiB tmpfs runs out of space and the
// snapshots that cannot be written are dropped. Either way the application
// sees no error (Shutdown included), and after recovery the points missing
// from PostgreSQL are exactly those counted as dropped.
func TestSpoolFull(t *testing.T) {
	pg := testenv.Postgres(t)
	restartPostgres(t, pg)
	b := pgBackend{pg: pg}
	for _, full := range []string{"cap", "disk"} {
		t.Run(full, func(t *testing.T) {
			dir := t.TempDir()
			maxBytes := exporters.MinSpoolMaxBytes
			if full == "disk" {
				mountTmpfs(t, dir, "1m")
				maxBytes = 0 // the default, 1 GiB: the disk fills first
			}
			ns := fmt.Sprintf("e2e_spool_%s_%d", full, time.Now().UnixNano())
			p := newPipeline(t, "full", 5000, 5)
			startSpooled(t, p, b, ns, dir, 200*time.Millisecond, maxBytes)
			testkit.Poll(t, 20*time.Second, "an export", func() bool { return p.health().Exported > 0 })

			if err := pg.Stop(); err != nil {
				t.Fatal(err)
			}
			taken := p.led.countTaken()
			testkit.Poll(t, 40*time.Second, "30 snapshots, and drops", func() bool {
				return p.led.countTaken()-taken >= 30 && p.health().Dropped > 0
			})
			h := p.health()
			t.Logf("during the outage: %+v", h)
			if full == "cap" && (h.Spool.Dropped != h.Dropped || h.Spool.Bytes > exporters.MinSpoolMaxBytes) {
				t.Errorf("the cap dropped %d points of %d dropped, and holds %d bytes (cap %d)",
					h.Spool.Dropped, h.Dropped, h.Spool.Bytes, exporters.MinSpoolMaxBytes)
			}
			if err := pg.Start(); err != nil {
				t.Fatal(err)
			}
			recovered := time.Now()
			testkit.Poll(t, 40*time.Second, "the spool to be replayed", func() bool {
				h := p.health()
				return h.Spool.Records == 0 && h.Queued == 0 && h.LastSuccess.After(recovered)
			})
			h = p.shutdown(t) // fails the test on an error
			checkDelivery(t, b, ns, p, h, nil)
		})
	}
}

// mountTmpfs mounts a tmpfs of the given size on dir until the test ends,
// or skips the test where mounting is not allowed.
func mountTmpfs(t *testing.T, dir, size string) {
	t.Helper()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root): %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
}

// TestSpoolDamagedFile spools snapshots during a PostgreSQL outage, stops
// the Reporter, damages the oldest spooled record on disk, and starts a
// Reporter again on the directory with PostgreSQL back: the damaged record
// is skipped with a log line and counted as dropped; every other snapshot
// is stored once.
func TestSpoolDamagedFile(t *testing.T) {
	pg := testenv.Postgres(t)
	restartPostgres(t, pg)
	b := pgBackend{pg: pg}
	ns := fmt.Sprintf("e2e_spool_damaged_%d", time.Now().UnixNano())
	dir := t.TempDir()
	p := newPipeline(t, "damaged", 50, 5)
	startSpooled(t, p, b, ns, dir, 50*time.Millisecond, 0)
	testkit.Poll(t, 20*time.Second, "an export", func() bool { return p.health().Exported > 0 })
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	testkit.Poll(t, 20*time.Second, "10 snapshots spooled", func() bool { return p.health().Spool.Records >= 10 })
	p.shutdown(t)
	first, firstAcked := p.led.snapshots()
	var spooled []int64 // the snapshots not delivered, oldest first: on disk
	for ts := range first {
		if !firstAcked[ts] {
			spooled = append(spooled, ts)
		}
	}
	sort.Slice(spooled, func(i, j int) bool { return spooled[i] < spooled[j] })
	segs, _ := filepath.Glob(filepath.Join(dir, p.name, "*.seg"))
	if len(segs) == 0 {
		t.Fatalf("no segment file in %s", filepath.Join(dir, p.name))
	}
	testkit.FlipByte(t, segs[0], 40) // the payload of the first record: the oldest snapshot spooled

	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	var logs testkit.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	p.start(t, b.exporter(t, ns, log), exporters.Config{
		Interval: 50 * time.Millisecond, Timeout: exportTimeout, SpoolDir: dir, Logger: log,
	})
	testkit.Poll(t, 20*time.Second, "the spool to be replayed", func() bool {
		h := p.health()
		return h.Spool.Records == 0 && h.Queued == 0 && h.Exported > 0
	})
	h := p.shutdown(t)
	second, _ := p.led.snapshots()
	for ts, n := range second {
		first[ts] = n
	}
	lost := spooled[0]
	want := map[int64]int{}
	for ts, n := range first {
		if ts != lost {
			want[ts] = n
		}
	}
	checkStored(t, b, ns, first, want)
	if h.Dropped != int64(first[lost]) || h.Spool.Dropped != int64(first[lost]) {
		t.Errorf("health %+v; want the damaged snapshot's %d points dropped", h, first[lost])
	}
	if !strings.Contains(logs.String(), "spool: skipped damaged records") {
		t.Errorf("no log line about the damaged record:\n%s", logs.String())
	}
}

// checkStored waits until PostgreSQL holds the points of want and checks
// that it holds exactly those, per snapshot time, of the snapshots taken:
// none doubled, none partial, none of those left out of want.
func checkStored(t *testing.T, b backend, ns string, taken, want map[int64]int) {
	t.Helper()
	total := 0
	for _, n := range want {
		total += n
	}
	var stored map[int64]int
	testkit.Poll(t, 20*time.Second, "the backend to hold every point", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		if stored, _, err = b.read(ctx, ns); err != nil {
			return false
		}
		got := 0
		for _, n := range stored {
			got += n
		}
		return got >= total
	})
	for ts, n := range stored {
		if _, ok := taken[ts]; !ok {
			t.Errorf("points at %d, when no snapshot was taken", ts)
		} else if n != want[ts] {
			t.Errorf("snapshot at %d: %d points stored, want %d (taken with %d)", ts, n, want[ts], taken[ts])
		}
	}
	for ts, n := range want {
		if stored[ts] == 0 {
			t.Errorf("snapshot at %d (%d points) missing", ts, n)
		}
	}
}
