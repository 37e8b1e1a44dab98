package exporters

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// bigBatch returns a batch of n series, one point each, taken at seq.
func bigBatch(seq uint64, n int) *batch {
	snap := metrics.Snapshot{Time: time.Unix(1_700_000_000+int64(seq), 0), Seq: seq}
	for i := range n {
		snap.Series = append(snap.Series, metrics.Series{
			Name: fmt.Sprintf("vitals.test.a_rather_long_series_name_%04d", i), Kind: metrics.KindCounter, Count: int64(i)})
	}
	return &batch{snap: snap, points: n}
}

// A spooled record being exported that the cap removed from the disk (the
// spool keeps it in memory until its Pop) is counted as dropped when the
// spool is closed before its Pop: every point is on disk or counted.
func TestSpoolerCloseCountsTheDetachedRecord(t *testing.T) {
	reg := metrics.NewRegistry()
	dropped, removed := reg.Counter("dropped", nil), reg.Counter("removed", nil)
	s := openSpooler(t.TempDir(), "db", 4<<10, slog.New(slog.DiscardHandler), dropped, removed)
	if !s.usable() {
		t.Fatal(s.health().Error)
	}
	if err := s.append(bigBatch(1, 50), "test"); err != nil { // about 3 KiB: one fits under the cap
		t.Fatal(err)
	}
	if b := s.peek(); b == nil || b.points != 50 {
		t.Fatalf("peek: %+v", b)
	}
	if err := s.append(bigBatch(2, 60), "test"); err != nil {
		t.Fatal(err)
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	if got := dropped.Count(); got != 50 {
		t.Errorf("dropped %d points, want the 50 of the record the cap had removed", got)
	}
	if h := s.health(); h.Points != 60 || h.Records != 1 || h.Dropped != 50 {
		t.Errorf("health %+v, want 1 record of 60 points on disk, 50 dropped", h)
	}
}

// A record this process spooled keeps its Seq when replayed, even when an
// earlier process's record of the same Seq was replayed before it; one of
// an earlier process gets a Seq from replaySeqBase up.
func TestSpoolerOwnRecordsKeepTheirSeq(t *testing.T) {
	reg := metrics.NewRegistry()
	dropped, removed := reg.Counter("dropped", nil), reg.Counter("removed", nil)
	dir, log := t.TempDir(), slog.New(slog.DiscardHandler)
	first := openSpooler(dir, "db", 1<<20, log, dropped, removed)
	if err := first.append(bigBatch(1, 1), "test"); err != nil {
		t.Fatal(err)
	}
	first.close()

	s := openSpooler(dir, "db", 1<<20, log, dropped, removed)
	defer s.close()
	mine := bigBatch(1, 2) // the same Seq, another registry, another time
	mine.snap.Time = mine.snap.Time.Add(time.Hour)
	if err := s.append(mine, "test"); err != nil {
		t.Fatal(err)
	}
	if b := s.peek(); b == nil || b.snap.Seq < replaySeqBase {
		t.Fatalf("the earlier process's record: %+v, want a Seq from replaySeqBase up", b)
	} else if !s.pop(b) {
		t.Fatal("pop failed")
	}
	if b := s.peek(); b == nil || b.snap.Seq != 1 || !b.snap.Time.Equal(mine.snap.Time) {
		t.Fatalf("this process's record: %+v, want Seq 1", b)
	}
}
