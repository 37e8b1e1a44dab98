package exporters_test

import (
	"context"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

// This file tests the disk spool (Config.SpoolDir) through the Reporter:
// what the memory queue cannot hold is spooled, not dropped, and replayed
// oldest first, by the same Reporter or the next one on the directory, with
// every point counted once.

// replayed is the smallest Seq of a snapshot replayed from an earlier
// Reporter's spool (see the package documentation).
const replayed = 1 << 63

// setFailing makes every Export fail transiently, or none.
func (e *recorder) setFailing(on bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failNext = 0
	if on {
		e.failNext = math.MaxInt
	}
}

// takenLog records every snapshot a Reporter takes (Config.OnSnapshot).
type takenLog struct {
	mu    sync.Mutex
	snaps []metrics.Snapshot
}

func (l *takenLog) add(snap metrics.Snapshot) {
	l.mu.Lock()
	l.snaps = append(l.snaps, snap)
	l.mu.Unlock()
}

func (l *takenLog) all() []metrics.Snapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.snaps)
}

func (l *takenLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.snaps)
}

// byTime indexes snapshots by their time.
func byTime(snaps []metrics.Snapshot) map[int64]metrics.Snapshot {
	m := make(map[int64]metrics.Snapshot, len(snaps))
	for _, s := range snaps {
		m[s.Time.UnixNano()] = s
	}
	return m
}

// checkOnce checks that got holds each snapshot of want once, whole, and
// nothing else, and returns the points of those of want it lacks.
func checkOnce(t *testing.T, got, want []metrics.Snapshot) (missing int64, missingSnaps int) {
	t.Helper()
	seen := map[int64]int{}
	wantBy := byTime(want)
	for _, s := range got {
		k := s.Time.UnixNano()
		seen[k]++
		w, ok := wantBy[k]
		switch {
		case !ok:
			t.Errorf("received a snapshot at %v that was not taken", s.Time)
		case seen[k] > 1:
			t.Errorf("snapshot at %v received %d times", s.Time, seen[k])
		case len(s.Series) != len(w.Series):
			t.Errorf("snapshot at %v received with %d series, taken with %d", s.Time, len(s.Series), len(w.Series))
		}
	}
	for k, w := range wantBy {
		if seen[k] == 0 {
			missing += int64(len(w.Series))
			missingSnaps++
		}
	}
	return missing, missingSnaps
}

// spoolConfig is a Reporter configuration with a spool in dir and fast
// retries.
func spoolConfig(exp exporters.Exporter, dir string, taken *takenLog, logger *slog.Logger) exporters.Config {
	return exporters.Config{
		Exporters:  map[string]exporters.Exporter{"db": exp},
		Interval:   tick,
		MinBackoff: time.Millisecond,
		MaxBackoff: 5 * time.Millisecond,
		SpoolDir:   dir,
		OnSnapshot: taken.add,
		Logger:     logger,
	}
}

// TestSpoolKeepsWhatTheQueueCannotHold: with a queue of 2 and a backend
// down, nothing is dropped: the snapshots go to disk, and come back oldest
// first, with their own Seq, once the backend recovers; every point is
// counted once, as exported.
func TestSpoolKeepsWhatTheQueueCannotHold(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := &recorder{failNext: math.MaxInt}
	var taken takenLog
	logs := newLogSink()
	reg := metrics.NewRegistry()
	reg.Counter("jobs", nil).Inc(1)
	cfg := spoolConfig(e, dir, &taken, slog.New(logs))
	cfg.QueueSize = 2
	r := start(t, reg, cfg)

	testkit.Poll(t, 20*time.Second, "8 snapshots spooled", func() bool { return healthOf(t, r, "db").Spool.Records >= 8 })
	h := healthOf(t, r, "db")
	if h.Dropped != 0 || h.Exported != 0 || h.Spool.Dir != filepath.Join(dir, "db") || h.Spool.Error != "" || h.Spool.Points == 0 || h.Spool.Bytes == 0 {
		t.Fatalf("health during the outage %+v; want the snapshots in %s, nothing dropped", h, filepath.Join(dir, "db"))
	}
	if snap := reg.Peek(); !hasValue(snap, "vitals.exporter.spooled") || !hasValue(snap, "vitals.exporter.spooled_bytes") {
		t.Errorf("the spool's gauges are not in the registry, or zero")
	}
	spooledBefore := taken.count()

	e.setFailing(false)
	testkit.Poll(t, 20*time.Second, "the spool to be replayed", func() bool {
		h := healthOf(t, r, "db")
		return h.Spool.Records == 0 && h.Queued == 0 && h.Exported > 0
	})
	if err, _ := shutdown(r, 5*time.Second); err != nil {
		t.Fatal(err)
	}

	all, got := taken.all(), e.received()
	if missing, _ := checkOnce(t, got, all); missing != 0 {
		t.Errorf("%d points never delivered", missing)
	}
	h = healthOf(t, r, "db")
	if h.Exported != series(all...) || h.Dropped != 0 || h.Rejected != 0 || h.Spool.Records != 0 || h.Spool.Dropped != 0 {
		t.Errorf("health %+v; want all %d points exported", h, series(all...))
	}

	// The snapshots of the outage come back oldest first, with their Seq.
	outage := byTime(all[:spooledBefore])
	var last time.Time
	for _, s := range got {
		w, ok := outage[s.Time.UnixNano()]
		if !ok {
			continue
		}
		if s.Time.Before(last) {
			t.Errorf("snapshot at %v replayed after the one at %v", s.Time, last)
		}
		last = s.Time
		if s.Seq != w.Seq {
			t.Errorf("snapshot at %v replayed with Seq %d; it was taken as %d", s.Time, s.Seq, w.Seq)
		}
	}
	for _, msg := range []string{"spooling snapshots to disk", "replaying the spool", "the spool is replayed"} {
		if len(logs.find(msg)) != 1 {
			t.Errorf("%d log lines %q; want 1", len(logs.find(msg)), msg)
		}
	}
	if n := len(logs.find("queue full")); n != 0 {
		t.Errorf("%d log lines about a full queue dropping snapshots", n)
	}
}

// hasValue reports whether snap has a non-zero gauge called name.
func hasValue(snap metrics.Snapshot, name string) bool {
	s, ok := find(snap, name, "db")
	return ok && s.Value > 0
}

// TestSpoolAtShutdownAndRestart: a backend that hangs keeps snapshots in
// memory; at Shutdown's deadline they are spooled, not dropped, and
// Shutdown reports no error. A new Reporter on the directory (another
// registry, as after a restart) replays them, with Seqs of its own range,
// and counts them as its exports.
func TestSpoolAtShutdownAndRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	hung := &recorder{gate: make(chan struct{})} // each Export waits until its context ends
	var taken1 takenLog
	logs := newLogSink()
	cfg := spoolConfig(hung, dir, &taken1, slog.New(logs))
	cfg.QueueSize = 3
	cfg.Timeout = time.Hour
	reg1 := metrics.NewRegistry()
	reg1.Counter("jobs", nil).Inc(1)
	r1 := start(t, reg1, cfg)
	testkit.Poll(t, 20*time.Second, "4 snapshots taken", func() bool { return taken1.count() >= 4 })
	if err, _ := shutdown(r1, 100*time.Millisecond); err != nil {
		t.Fatalf("Shutdown with everything spooled: %v", err)
	}
	first := taken1.all()
	h := healthOf(t, r1, "db")
	if h.Spool.Records != len(first) || h.Spool.Points != series(first...) || h.Dropped != 0 || h.Exported != 0 {
		t.Fatalf("health after Shutdown %+v; want the %d snapshots taken (%d points) spooled, nothing dropped",
			h, len(first), series(first...))
	}
	if len(logs.find("Shutdown's deadline passed; spooled")) != 1 {
		t.Errorf("no log line saying what Shutdown spooled")
	}

	e := &recorder{}
	var taken2 takenLog
	r2 := start(t, metrics.NewRegistry(), spoolConfig(e, dir, &taken2, slog.New(slog.DiscardHandler)))
	testkit.Poll(t, 20*time.Second, "the spool to be replayed", func() bool {
		return healthOf(t, r2, "db").Spool.Records == 0 && len(e.received()) > len(first)
	})
	if err, _ := shutdown(r2, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	got := e.received()
	second := taken2.all()
	if missing, n := checkOnce(t, got, append(slices.Clone(first), second...)); missing != 0 {
		t.Errorf("%d snapshots (%d points) never delivered", n, missing)
	}
	seqs := map[uint64]bool{}
	for _, s := range got {
		if _, ok := byTime(first)[s.Time.UnixNano()]; ok && s.Seq < replayed {
			t.Errorf("snapshot at %v of the first Reporter replayed with Seq %d; want one from %d up", s.Time, s.Seq, uint64(replayed))
		}
		if seqs[s.Seq] {
			t.Errorf("Seq %d offered for two snapshots", s.Seq)
		}
		seqs[s.Seq] = true
	}
	h = healthOf(t, r2, "db")
	if want := series(first...) + series(second...); h.Exported != want || h.Dropped != 0 {
		t.Errorf("second Reporter: health %+v; want %d points exported (%d replayed), nothing dropped", h, want, series(first...))
	}
}

// TestSpoolCapDropsAreCounted: a spool capped at MinSpoolMaxBytes, a few
// snapshots of 8,000 series, drops its oldest snapshots during a long
// outage, and counts exactly their points as dropped: after the outage,
// the points delivered are those counted exported, and the points missing
// those counted dropped.
func TestSpoolCapDropsAreCounted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := &recorder{failNext: math.MaxInt}
	var taken takenLog
	logs := newLogSink()
	reg := metrics.NewRegistry(metrics.WithMaxSeries(10000))
	for i := range 8000 {
		reg.Counter("fill", metrics.Tags{"i": strconv.Itoa(i)}).Inc(int64(i))
	}
	cfg := spoolConfig(e, dir, &taken, slog.New(logs))
	cfg.QueueSize = 2
	cfg.SpoolMaxBytes = exporters.MinSpoolMaxBytes
	r := start(t, reg, cfg)

	testkit.Poll(t, 30*time.Second, "the spool's cap to drop snapshots", func() bool {
		return healthOf(t, r, "db").Spool.Dropped >= 3*8000
	})
	if h := healthOf(t, r, "db"); h.Spool.Bytes > exporters.MinSpoolMaxBytes {
		t.Errorf("the spool holds %d bytes, over its cap of %d", h.Spool.Bytes, exporters.MinSpoolMaxBytes)
	}
	e.setFailing(false)
	testkit.Poll(t, 20*time.Second, "the spool to be replayed", func() bool {
		h := healthOf(t, r, "db")
		return h.Spool.Records == 0 && h.Queued == 0 && h.Exported > 0
	})
	if err, _ := shutdown(r, 5*time.Second); err != nil {
		t.Fatalf("Shutdown: %v; the cap's drops are no error", err)
	}

	all, got := taken.all(), e.received()
	missing, missingSnaps := checkOnce(t, got, all)
	h := healthOf(t, r, "db")
	t.Logf("%d snapshots taken, %d dropped by the cap (%d points); health %+v", len(all), missingSnaps, missing, h)
	if h.Exported != series(got...) || h.Dropped != missing || h.Spool.Dropped != missing || h.Exported+h.Dropped != series(all...) {
		t.Errorf("health %+v; want %d exported (received), %d dropped (missing), by the spool, of %d taken",
			h, series(got...), missing, series(all...))
	}
	if len(logs.find("the spool is full")) == 0 {
		t.Errorf("no log line about the spool's cap")
	}
}

// TestSpoolLockedRunsWithout: a second Reporter on a directory in use
// starts all the same; its exporter runs without a spool (a full queue
// drops, as without SpoolDir), and says why, once in the log and in
// Health, naming the holder's pid.
func TestSpoolLockedRunsWithout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var taken1, taken2 takenLog
	r1 := start(t, metrics.NewRegistry(), spoolConfig(&recorder{}, dir, &taken1, nil))

	logs := newLogSink()
	e := &recorder{failNext: math.MaxInt}
	cfg := spoolConfig(e, dir, &taken2, slog.New(logs))
	cfg.QueueSize = 1
	r2 := start(t, metrics.NewRegistry(), cfg)
	h := healthOf(t, r2, "db")
	pid := strconv.Itoa(os.Getpid())
	if !strings.Contains(h.Spool.Error, "in use by process "+pid) || h.Spool.Dir != filepath.Join(dir, "db") {
		t.Fatalf("second Reporter's spool health %+v; want an error naming pid %s", h.Spool, pid)
	}
	warned := logs.find("cannot use the spool directory")
	if len(warned) != 1 || warned[0].level != slog.LevelWarn || warned[0].attrs["dir"] != filepath.Join(dir, "db") ||
		!strings.Contains(warned[0].attrs["error"], pid) {
		t.Fatalf("log lines %+v; want one warning naming the directory and pid %s", warned, pid)
	}
	testkit.Poll(t, 20*time.Second, "the full queue to drop", func() bool { return healthOf(t, r2, "db").Dropped > 0 })
	if h := healthOf(t, r2, "db"); h.Spool.Records != 0 {
		t.Errorf("the second Reporter spooled: %+v", h.Spool)
	}
	if h := healthOf(t, r1, "db"); h.Spool.Error != "" {
		t.Errorf("the first Reporter's spool: %+v", h.Spool)
	}
}

// TestSpoolCorruptRecordIsSkipped: a spooled record damaged on disk is
// skipped by the next Reporter, with a log line, and its points counted as
// dropped; the others are replayed.
func TestSpoolCorruptRecordIsSkipped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var taken1, taken2 takenLog
	r1 := start(t, metrics.NewRegistry(), spoolConfig(&recorder{failNext: math.MaxInt}, dir, &taken1, nil))
	testkit.Poll(t, 20*time.Second, "4 snapshots spooled", func() bool { return healthOf(t, r1, "db").Spool.Records >= 4 })
	if err, _ := shutdown(r1, time.Second); err != nil {
		t.Fatal(err)
	}
	first := taken1.all()
	segs, err := filepath.Glob(filepath.Join(dir, "db", "*.seg"))
	if err != nil || len(segs) == 0 {
		t.Fatalf("no segment file in %s: %v", filepath.Join(dir, "db"), err)
	}
	testkit.FlipByte(t, segs[0], 30) // in the payload of the first record: the oldest snapshot

	logs := newLogSink()
	e := &recorder{}
	r2 := start(t, metrics.NewRegistry(), spoolConfig(e, dir, &taken2, slog.New(logs)))
	testkit.Poll(t, 20*time.Second, "the spool to be replayed", func() bool {
		return healthOf(t, r2, "db").Spool.Records == 0 && len(e.received()) >= len(first)
	})
	if err, _ := shutdown(r2, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	missing, n := checkOnce(t, e.received(), append(slices.Clone(first), taken2.all()...))
	oldest := int64(len(first[0].Series))
	h := healthOf(t, r2, "db")
	if n != 1 || missing != oldest || h.Dropped != oldest || h.Spool.Dropped != oldest {
		t.Errorf("%d snapshots (%d points) missing, health %+v; want the oldest (%d points) missing and counted dropped",
			n, missing, h, oldest)
	}
	if len(logs.find("skipped damaged records")) != 1 {
		t.Errorf("no log line about the damaged record")
	}
}

// eventLog is the order in which snapshots were taken and delivered.
type eventLog struct {
	mu     sync.Mutex
	events []event
}

type event struct {
	taken bool // false: delivered
	seq   uint64
}

func (l *eventLog) add(e event) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

// slowExporter takes a while for each Export and logs what it delivers.
type slowExporter struct {
	log  *eventLog
	took time.Duration
}

func (e *slowExporter) Export(ctx context.Context, snap metrics.Snapshot) error {
	time.Sleep(e.took)
	e.log.add(event{seq: snap.Seq})
	return nil
}

func (e *slowExporter) Shutdown(context.Context) error { return nil }

// TestSpoolReplayDoesNotStarveFreshSnapshots: while a long spool is
// replayed, each fresh snapshot waits for at most two replayed ones (the
// one in progress when it was taken, and one turn).
func TestSpoolReplayDoesNotStarveFreshSnapshots(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var taken takenLog
	r1 := start(t, metrics.NewRegistry(), spoolConfig(&recorder{failNext: math.MaxInt}, dir, &taken, nil))
	testkit.Poll(t, 20*time.Second, "30 snapshots spooled", func() bool { return healthOf(t, r1, "db").Spool.Records >= 30 })
	if err, _ := shutdown(r1, time.Second); err != nil {
		t.Fatal(err)
	}

	var events eventLog
	cfg := spoolConfig(&slowExporter{log: &events, took: tick / 3}, dir, &taken, nil)
	cfg.OnSnapshot = func(s metrics.Snapshot) { events.add(event{taken: true, seq: s.Seq}) }
	r2 := start(t, metrics.NewRegistry(), cfg)
	testkit.Poll(t, 30*time.Second, "the spool to be replayed", func() bool { return healthOf(t, r2, "db").Spool.Records == 0 })
	if err, _ := shutdown(r2, 5*time.Second); err != nil {
		t.Fatal(err)
	}

	events.mu.Lock()
	defer events.mu.Unlock()
	takenAt := map[uint64]int{} // fresh Seq -> replays delivered since it was taken
	lastReplay := 0
	for i, ev := range events.events {
		switch {
		case ev.taken:
			takenAt[ev.seq] = 0
		case ev.seq >= replayed:
			lastReplay = i
			for seq := range takenAt {
				takenAt[seq]++
			}
		default:
			if n := takenAt[ev.seq]; n > 2 {
				t.Errorf("fresh snapshot %d waited for %d replayed snapshots", ev.seq, n)
			}
			delete(takenAt, ev.seq)
		}
	}
	fresh := 0
	for _, ev := range events.events[:lastReplay] {
		if !ev.taken && ev.seq < replayed {
			fresh++
		}
	}
	if fresh < 3 {
		t.Errorf("only %d fresh snapshots were delivered during the replay; the test did not interleave", fresh)
	}
}
