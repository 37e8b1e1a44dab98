package spool

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
