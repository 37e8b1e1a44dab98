package exporters_test

import (
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

// holderMark is a gauge of the first Reporter's registry only.
const holderMark = "holder"

// TestSpoolReopensWhenFree: a Reporter started while another holds its
// spool directory (an overlapping restart) runs without a spool, retrying
// quietly; once the holder has shut down, it opens the directory, replays
// what the holder left with Seqs of its own range, counts a damaged
// record's points as dropped as Start would, and Health shows no error:
// every point is counted once.
func TestSpoolReopensWhenFree(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var taken1, taken2 takenLog
	reg1 := metrics.NewRegistry()
	reg1.Gauge(holderMark, nil).Update(1) // tells its snapshots from the second Reporter's, taken at the same times
	r1 := start(t, reg1, spoolConfig(&recorder{failNext: math.MaxInt}, dir, &taken1, nil))
	testkit.Poll(t, 20*time.Second, "4 snapshots spooled", func() bool { return healthOf(t, r1, "db").Spool.Records >= 4 })

	logs := newLogSink()
	e := &recorder{}
	r2 := start(t, metrics.NewRegistry(), spoolConfig(e, dir, &taken2, slog.New(logs)))
	pid := strconv.Itoa(os.Getpid())
	if h := healthOf(t, r2, "db"); !strings.Contains(h.Spool.Error, "in use by process "+pid) {
		t.Fatalf("second Reporter's spool health %+v; want an error naming pid %s", h.Spool, pid)
	}
	exporters.SetSpoolRetry(r2, "db", 5*time.Millisecond)
	testkit.Poll(t, 20*time.Second, "retries while the directory is held", func() bool { return len(e.received()) >= 4 })
	exporters.SetSpoolRetry(r2, "db", time.Hour) // none while the holder shuts down and the test damages a record
	if h := healthOf(t, r2, "db"); !strings.Contains(h.Spool.Error, "in use by process "+pid) {
		t.Fatalf("second Reporter's spool health %+v while the directory is held; want an error naming pid %s", h.Spool, pid)
	}

	if err, _ := shutdown(r1, time.Second); err != nil {
		t.Fatal(err)
	}
	first := taken1.all()
	if h := healthOf(t, r1, "db"); h.Spool.Records != len(first) || h.Exported != 0 || h.Dropped != 0 {
		t.Fatalf("holder's health after Shutdown %+v; want its %d snapshots spooled", h, len(first))
	}
	segs, err := filepath.Glob(filepath.Join(dir, "db", "*.seg"))
	if err != nil || len(segs) == 0 {
		t.Fatalf("no segment file in %s: %v", filepath.Join(dir, "db"), err)
	}
	testkit.FlipByte(t, segs[0], 30) // in the payload of the first record: the oldest snapshot
	oldest := int64(len(first[0].Series))

	exporters.SetSpoolRetry(r2, "db", 5*time.Millisecond)
	testkit.Poll(t, 20*time.Second, "the spool to be opened and replayed", func() bool {
		h := healthOf(t, r2, "db")
		return h.Spool.Error == "" && h.Spool.Records == 0 && h.Spool.Dropped == oldest
	})
	if h := healthOf(t, r2, "db"); h.Spool.Dir != filepath.Join(dir, "db") {
		t.Errorf("spool health %+v; want directory %s", h.Spool, filepath.Join(dir, "db"))
	}
	if err, _ := shutdown(r2, 5*time.Second); err != nil {
		t.Fatal(err)
	}

	got := e.received()
	var replayedSnaps, own []metrics.Snapshot
	for _, s := range got {
		if slices.ContainsFunc(s.Series, func(s metrics.Series) bool { return s.Name == holderMark }) {
			replayedSnaps = append(replayedSnaps, s)
			if s.Seq < replayed {
				t.Errorf("snapshot at %v of the holder replayed with Seq %d; want one from %d up", s.Time, s.Seq, uint64(replayed))
			}
		} else {
			own = append(own, s)
		}
	}
	if missing, n := checkOnce(t, replayedSnaps, first); n != 1 || missing != oldest {
		t.Errorf("%d snapshots of the holder (%d points) never delivered; want the damaged oldest one (%d points)", n, missing, oldest)
	}
	second := taken2.all()
	if missing, n := checkOnce(t, own, second); missing != 0 {
		t.Errorf("%d snapshots (%d points) of the second Reporter never delivered", n, missing)
	}
	h := healthOf(t, r2, "db")
	if want := series(first...) - oldest + series(second...); h.Exported != want || h.Exported != series(got...) ||
		h.Dropped != oldest || h.Spool.Dropped != oldest || h.Spool.Error != "" {
		t.Errorf("health %+v; want %d points exported (received), %d dropped (the damaged record), no spool error",
			h, want, oldest)
	}
	if w := logs.find("cannot use the spool directory"); len(w) != 1 {
		t.Errorf("%d warnings about the held directory; want one, the retries quiet: %+v", len(w), w)
	}
	freed := logs.find("spool directory is free again")
	if len(freed) != 1 || freed[0].attrs["snapshots"] != strconv.Itoa(len(first)-1) || freed[0].attrs["dir"] != filepath.Join(dir, "db") {
		t.Errorf("log lines %+v; want one saying the directory is free, with the %d snapshots to replay", freed, len(first)-1)
	}
}
