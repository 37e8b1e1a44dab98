package spool

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestAppendPeekPopRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, 1<<20, nil)
	defer s.Close()
	want := fullSnapshot()
	mustAppend(t, s, Record{Snap: want, Points: 77})
	if st := s.Stats(); st.Records != 1 || st.Points != 77 || st.Bytes == 0 || st.Lost != 0 {
		t.Fatalf("Stats %+v", st)
	}
	got, ok, err := s.Peek()
	if err != nil || !ok {
		t.Fatalf("Peek: %v %v", ok, err)
	}
	if got.Points != 77 {
		t.Errorf("Points %d, want 77", got.Points)
	}
	if err := sameSnapshot(got.Snap, want); err != nil {
		t.Fatal(err)
	}
	if err := s.Pop(); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Peek(); ok || err != nil {
		t.Fatalf("Peek of an empty spool: %v %v", ok, err)
	}
	if err := s.Pop(); err == nil {
		t.Error("Pop of an empty spool: no error")
	}
}

// Records come back in the order they were appended, across segments and
// across Close and Open, with their points.
func TestOrderAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	const maxBytes = 1 << 20 // 32 KiB segments: several
	var seq uint64
	for range 3 {
		s := mustOpen(t, dir, maxBytes, nil)
		for range 100 {
			seq++
			if d := mustAppend(t, s, Record{Snap: seqSnap(seq), Points: int(seq)}); d != 0 {
				t.Fatalf("dropped %d", d)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s := mustOpen(t, dir, maxBytes, nil)
	defer s.Close()
	if st := s.Stats(); st.Records != 300 || st.Points != 300*301/2 {
		t.Fatalf("Stats %+v", st)
	}
	recs := drain(t, s)
	for i, r := range recs {
		if r.Snap.Seq != uint64(i+1) || r.Points != i+1 || r.Snap.Series[0].Count != int64(i+1) {
			t.Fatalf("record %d: Seq %d Points %d", i, r.Snap.Seq, r.Points)
		}
	}
	if len(recs) != 300 {
		t.Fatalf("%d records, want 300", len(recs))
	}
}

// A Pop is durable: after Close and Open the popped records are gone, in
// the middle of a segment and at segment boundaries.
func TestPopDurableAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, 1<<20, nil)
	for i := range uint64(10) {
		mustAppend(t, s, Record{Snap: seqSnap(i + 1), Points: 2})
	}
	for range 3 {
		if err := s.Pop(); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = mustOpen(t, dir, 1<<20, nil)
	if st := s.Stats(); st.Records != 7 || st.Points != 14 {
		t.Fatalf("Stats after reopen %+v", st)
	}
	rec, ok, err := s.Peek()
	if err != nil || !ok || rec.Snap.Seq != 4 {
		t.Fatalf("Peek: Seq %d, %v %v; want 4", rec.Snap.Seq, ok, err)
	}
	for range 7 {
		if err := s.Pop(); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = mustOpen(t, dir, 1<<20, nil)
	defer s.Close()
	if st := s.Stats(); st.Records != 0 || st.Points != 0 {
		t.Fatalf("Stats after popping all %+v", st)
	}
	mustAppend(t, s, Record{Snap: seqSnap(11), Points: 1})
	if got := seqs(drain(t, s)); !slices.Equal(got, []uint64{11}) {
		t.Fatalf("after popping all and appending: %v", got)
	}
}

// The cap drops the oldest records first, whole segments at a time, and
// Append returns exactly their points; the files never exceed the cap.
func TestCapDropsOldestWithExactPoints(t *testing.T) {
	dir := t.TempDir()
	const maxBytes = 20 << 10 // 4 KiB segments
	s := mustOpen(t, dir, maxBytes, nil)
	defer s.Close()
	var dropped, appended int64
	const n = 2000
	for i := range uint64(n) {
		points := int(i%7 + 1)
		d := mustAppend(t, s, Record{Snap: seqSnap(i + 1), Points: points})
		dropped += int64(d)
		appended += int64(points)
		st := s.Stats()
		if st.Bytes > maxBytes {
			t.Fatalf("after %d appends: %d bytes, cap %d", i+1, st.Bytes, maxBytes)
		}
		if dropped+st.Points != appended {
			t.Fatalf("after %d appends: dropped %d + held %d != appended %d", i+1, dropped, st.Points, appended)
		}
		if got := segmentBytes(t, dir); got != st.Bytes {
			t.Fatalf("segment files hold %d bytes, Stats says %d", got, st.Bytes)
		}
	}
	if dropped == 0 {
		t.Fatal("nothing dropped")
	}
	// What is left is the newest records, in order, and the dropped points
	// are exactly those of the records before them.
	recs := drain(t, s)
	first := recs[0].Snap.Seq
	var before int64
	for i := uint64(0); i+1 < first; i++ {
		before += int64(i%7 + 1)
	}
	if before != dropped {
		t.Errorf("dropped %d points; the records before Seq %d held %d", dropped, first, before)
	}
	for i, r := range recs {
		if r.Snap.Seq != first+uint64(i) {
			t.Fatalf("record %d: Seq %d, want %d", i, r.Snap.Seq, first+uint64(i))
		}
	}
	if last := recs[len(recs)-1].Snap.Seq; last != n {
		t.Fatalf("newest Seq %d, want %d", last, n)
	}
}

func TestRecordLargerThanCapIsDropped(t *testing.T) {
	s := mustOpen(t, t.TempDir(), 2<<10, nil)
	defer s.Close()
	mustAppend(t, s, Record{Snap: seqSnap(1), Points: 1})
	if d := mustAppend(t, s, Record{Snap: snapshotOf(200), Points: 200}); d != 200 {
		t.Fatalf("dropped %d, want the record's 200", d)
	}
	if st := s.Stats(); st.Records != 1 || st.Points != 1 {
		t.Fatalf("Stats %+v: the small record should stay", st)
	}
	if _, err := s.Append(Record{Points: -1}); err == nil {
		t.Error("negative points: no error")
	}
}

func TestOpenRefusesBadArguments(t *testing.T) {
	if _, err := Open(t.TempDir(), 0, nil); err == nil {
		t.Error("maxBytes 0: no error")
	}
	if _, err := Open("", 1<<20, nil); err == nil {
		t.Error("no directory: no error")
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := Open(file, 1<<20, nil); err == nil {
		t.Error("a file as the directory: no error")
	}
}

// In one process, a second Open of the same directory is refused too.
func TestSecondOpenInProcessRefused(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, 1<<20, nil)
	_, err := Open(dir, 1<<20, nil)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "process "+strconv.Itoa(os.Getpid())) {
		t.Errorf("error %q does not name pid %d", err, os.Getpid())
	}
	s.Close()
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.Append(Record{}); err == nil {
		t.Error("Append after Close: no error")
	}
	mustOpen(t, dir, 1<<20, nil).Close()
}

func segmentBytes(t testing.TB, dir string) int64 {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range entries {
		if _, ok := parseSegName(e.Name()); ok {
			info, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			n += info.Size()
		}
	}
	return n
}

// Appends, Peeks and Pops from different goroutines, with Stats read
// meanwhile, account for every point exactly: appended = popped + dropped
// by the cap + held.
func TestConcurrentUseAccountsExactly(t *testing.T) {
	s := mustOpen(t, t.TempDir(), 8<<10, nil) // the cap drops while the reader pops
	defer s.Close()
	const writers, each = 3, 300
	var wg sync.WaitGroup
	var dropped, popped atomic.Int64
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				d, err := s.Append(Record{Snap: seqSnap(uint64(w*each + i)), Points: w + 1})
				if err != nil {
					t.Error(err)
					return
				}
				dropped.Add(int64(d))
			}
		})
	}
	done := make(chan struct{})
	var reader sync.WaitGroup
	reader.Go(func() {
		for {
			rec, ok, err := s.Peek()
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				// Another goroutine cannot pop in between: this one is the only consumer.
				if err := s.Pop(); err != nil {
					t.Error(err)
					return
				}
				popped.Add(int64(rec.Points))
				continue
			}
			select {
			case <-done:
				return
			default:
				_ = s.Stats()
			}
		}
	})
	wg.Wait()
	close(done)
	reader.Wait()
	if dropped.Load() == 0 {
		t.Error("the cap dropped nothing")
	}
	var appended int64
	for w := range writers {
		appended += int64((w + 1) * each)
	}
	if got := popped.Load() + dropped.Load() + s.Stats().Points; got != appended {
		t.Fatalf("popped %d + dropped %d + held %d = %d, want %d", popped.Load(), dropped.Load(), s.Stats().Points, got, appended)
	}
}

// The record being exported (peeked, not popped) is not dropped by the cap
// while another segment can go instead; the next oldest segment goes.
func TestCapSparesTheRecordBeingExported(t *testing.T) {
	s := mustOpen(t, t.TempDir(), 20<<10, nil) // 4 KiB segments
	defer s.Close()
	mustAppend(t, s, Record{Snap: seqSnap(1), Points: 1000})
	seq := uint64(1)
	for len(s.segs) < 3 {
		seq++
		mustAppend(t, s, Record{Snap: seqSnap(seq), Points: 1})
	}
	rec, ok, err := s.Peek()
	if err != nil || !ok || rec.Snap.Seq != 1 {
		t.Fatalf("Peek: %v %v %v", rec.Snap.Seq, ok, err)
	}
	appended, dropped := int64(1000+seq-1), int64(0)
	for range 1000 {
		seq++
		dropped += int64(mustAppend(t, s, Record{Snap: seqSnap(seq), Points: 1}))
		appended++
	}
	if dropped == 0 || dropped >= 1000 {
		t.Fatalf("dropped %d points: want some, not the peeked record's 1000", dropped)
	}
	if rec, _, _ := s.Peek(); rec.Snap.Seq != 1 {
		t.Fatalf("Peek after drops: Seq %d, want 1", rec.Snap.Seq)
	}
	recs := drain(t, s)
	var popped int64
	for _, r := range recs {
		popped += int64(r.Points)
	}
	if popped+dropped != appended {
		t.Fatalf("popped %d + dropped %d != appended %d", popped, dropped, appended)
	}
	if recs[0].Snap.Seq != 1 || recs[1].Snap.Seq != 2 || recs[len(recs)-1].Snap.Seq != seq {
		t.Fatalf("records from Seq %d, %d to %d", recs[0].Snap.Seq, recs[1].Snap.Seq, recs[len(recs)-1].Snap.Seq)
	}
}

// When the record being exported is in the only segment and the cap must
// remove it, it is kept in memory until its Pop, not counted as dropped.
func TestCapDetachesTheRecordBeingExported(t *testing.T) {
	var log logBuffer
	s := mustOpen(t, t.TempDir(), 4<<10, log.logger())
	big := snapshotOf(50) // about 3 KiB: one fits under the cap
	big.Seq = 1
	mustAppend(t, s, Record{Snap: big, Points: 10})
	if _, ok, err := s.Peek(); !ok || err != nil {
		t.Fatal(ok, err)
	}
	big.Seq = 2
	if d := mustAppend(t, s, Record{Snap: big, Points: 20}); d != 0 {
		t.Fatalf("dropped %d, want 0: the peeked record is being exported", d)
	}
	if st := s.Stats(); st.Records != 2 || st.Points != 30 {
		t.Fatalf("Stats %+v, want the detached record and the new one", st)
	}
	if got := seqs(drain(t, s)); !slices.Equal(got, []uint64{1, 2}) {
		t.Fatalf("records %v, want [1 2]", got)
	}
	// Peeked, detached, then closed: lost, and logged.
	big.Seq = 3
	mustAppend(t, s, Record{Snap: big, Points: 30})
	s.Peek()
	big.Seq = 4
	mustAppend(t, s, Record{Snap: big, Points: 40})
	s.Close()
	if lines := log.lines(); len(lines) != 1 || !strings.Contains(lines[0], "points=30") {
		t.Fatalf("log %q", lines)
	}
	// Its points are in Lost, for the caller to count as dropped; the
	// record on disk is still held.
	if st := s.Stats(); st.Lost != 30 || st.Records != 1 || st.Points != 40 {
		t.Fatalf("Stats after Close %+v, want Lost 30, 1 record of 40 points", st)
	}
}

// Peek tells the records appended through this Spool from those Open
// found on disk.
func TestPeekTellsOwnRecords(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, 1<<20, nil)
	mustAppend(t, s, Record{Snap: seqSnap(1), Points: 1})
	s.Close()
	s = mustOpen(t, dir, 1<<20, nil)
	defer s.Close()
	mustAppend(t, s, Record{Snap: seqSnap(2), Points: 1})
	recs := drain(t, s)
	if len(recs) != 2 || recs[0].Own || !recs[1].Own {
		t.Fatalf("records %+v; want the first found by Open, the second appended", recs)
	}
}
