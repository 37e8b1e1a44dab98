package spool

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// spoolOfFive appends five small records (Seq i, i points) in one segment,
// closes the spool and returns the segment's path and its records.
func spoolOfFive(t *testing.T, dir string) (string, []recInfo) {
	t.Helper()
	s := mustOpen(t, dir, 1<<20, nil)
	for i := range uint64(5) {
		mustAppend(t, s, Record{Snap: seqSnap(i + 1), Points: int(i + 1)})
	}
	s.Close()
	paths, _ := filepath.Glob(filepath.Join(dir, "*"+segSuffix))
	if len(paths) != 1 {
		t.Fatalf("%d segments, want 1", len(paths))
	}
	data, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	sc := scanSegment(data, 0)
	if len(sc.recs) != 5 || sc.damaged() {
		t.Fatalf("scan of a fresh segment: %+v", sc)
	}
	return paths[0], sc.recs
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [1]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x5a
	if _, err := f.WriteAt(b[:], off); err != nil {
		t.Fatal(err)
	}
}

// reopen opens dir and checks what Open found: the records left (by Seq),
// the points lost, and one log line naming the file and containing each of
// logWords, or no line when logWords is nil.
func reopen(t *testing.T, dir string, wantSeqs []uint64, wantLost int64, logWords ...string) {
	t.Helper()
	var log logBuffer
	s := mustOpen(t, dir, 1<<20, log.logger())
	defer s.Close()
	st := s.Stats()
	lines := log.lines()
	switch {
	case logWords == nil && len(lines) != 0:
		t.Errorf("log: %q, want nothing", lines)
	case logWords != nil && len(lines) != 1:
		t.Errorf("log: %q, want one line", lines)
	case logWords != nil:
		for _, w := range append(logWords, segSuffix) {
			if !strings.Contains(lines[0], w) {
				t.Errorf("log line %q lacks %q", lines[0], w)
			}
		}
	}
	if st.Lost != wantLost {
		t.Errorf("Lost %d, want %d", st.Lost, wantLost)
	}
	var points int64
	for _, q := range wantSeqs {
		points += int64(q)
	}
	if st.Records != len(wantSeqs) || st.Points != points {
		t.Errorf("Stats %+v, want %d records of %d points", st, len(wantSeqs), points)
	}
	// Read without popping, so that the next reopen sees the same.
	var got []uint64
	for _, seg := range s.segs {
		for _, r := range seg.recs {
			payload, err := s.read(seg, r)
			if err != nil {
				t.Fatal(err)
			}
			snap, err := decodeSnapshot(payload)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, snap.Seq)
		}
	}
	if !slices.Equal(got, wantSeqs) {
		t.Errorf("records %v, want %v", got, wantSeqs)
	}
}

// A byte flipped in the middle of a record's payload skips exactly that
// record, with one log line and its points counted lost, once.
func TestCorruptPayloadSkipsThatRecord(t *testing.T) {
	dir := t.TempDir()
	path, recs := spoolOfFive(t, dir)
	flipByte(t, path, recs[2].off+headerSize+int64(recs[2].length)/2)
	reopen(t, dir, []uint64{1, 2, 4, 5}, 3, "failing their checksum", "lost_points=3")
	reopen(t, dir, []uint64{1, 2, 4, 5}, 0) // marked: not counted again
}

// A damaged header hides the record's points: the record is skipped, the
// log says its points are unknown, and Lost does not change.
func TestCorruptHeaderSkipsThatRecord(t *testing.T) {
	dir := t.TempDir()
	path, recs := spoolOfFive(t, dir)
	flipByte(t, path, recs[2].off+5)
	reopen(t, dir, []uint64{1, 2, 4, 5}, 0, "header is damaged", "points unknown")
	reopen(t, dir, []uint64{1, 2, 4, 5}, 0)
}

// A file cut in the last record's payload (a write torn by a crash) loses
// that record, whose points the header tells.
func TestTornLastRecordSkipped(t *testing.T) {
	dir := t.TempDir()
	path, recs := spoolOfFive(t, dir)
	if err := os.Truncate(path, recs[4].off+headerSize+int64(recs[4].length)/2); err != nil {
		t.Fatal(err)
	}
	reopen(t, dir, []uint64{1, 2, 3, 4}, 5, "torn last write", "lost_points=5")
	if info, err := os.Stat(path); err != nil || info.Size() != recs[4].off {
		t.Fatalf("the torn tail is not cut off: %v %v", info.Size(), err)
	}
	reopen(t, dir, []uint64{1, 2, 3, 4}, 0)
}

// A file cut in the last record's header: its points are unknown.
func TestTornLastHeaderSkipped(t *testing.T) {
	dir := t.TempDir()
	path, recs := spoolOfFive(t, dir)
	if err := os.Truncate(path, recs[4].off+7); err != nil {
		t.Fatal(err)
	}
	reopen(t, dir, []uint64{1, 2, 3, 4}, 0, "torn last write", "header is unreadable")
	reopen(t, dir, []uint64{1, 2, 3, 4}, 0)
}

// Zeros where the last record should be (a file extended but never written,
// as some file systems leave it after a power loss) are a torn tail.
func TestZeroTailSkipped(t *testing.T) {
	dir := t.TempDir()
	path, recs := spoolOfFive(t, dir)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(make([]byte, recs[4].end()-recs[4].off), recs[4].off)
	f.Close()
	reopen(t, dir, []uint64{1, 2, 3, 4}, 0, "torn last write")
}

// Damage in two segment files gives one log line for each.
func TestOneLogLinePerDamagedFile(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, 1<<20, nil)
	for i := range uint64(6) {
		mustAppend(t, s, Record{Snap: seqSnap(i + 1), Points: 1})
		if i == 2 {
			s.Close() // the next Open starts a new segment
			s = mustOpen(t, dir, 1<<20, nil)
		}
	}
	s.Close()
	paths, _ := filepath.Glob(filepath.Join(dir, "*"+segSuffix))
	if len(paths) != 2 {
		t.Fatalf("%d segments, want 2", len(paths))
	}
	for _, p := range paths {
		data, _ := os.ReadFile(p)
		recs := scanSegment(data, 0).recs
		flipByte(t, p, recs[0].end()-1)
		flipByte(t, p, recs[1].end()-1)
	}
	var log logBuffer
	s = mustOpen(t, dir, 1<<20, log.logger())
	defer s.Close()
	if lines := log.lines(); len(lines) != 2 || !strings.Contains(lines[0], filepath.Base(paths[0])) || !strings.Contains(lines[1], filepath.Base(paths[1])) {
		t.Fatalf("log %q, want a line for each of %v", lines, paths)
	}
	if st := s.Stats(); st.Lost != 4 || st.Records != 2 {
		t.Fatalf("Stats %+v, want 2 records and 4 lost", st)
	}
	if got := seqs(drain(t, s)); !slices.Equal(got, []uint64{3, 6}) {
		t.Fatalf("records %v, want [3 6]", got)
	}
}

// A record damaged while the spool is open is skipped by Peek, logged and
// counted in Lost; a segment file removed behind its back loses its records.
func TestDamageAfterOpenSkippedByPeek(t *testing.T) {
	dir := t.TempDir()
	var log logBuffer
	s := mustOpen(t, dir, 1<<20, log.logger())
	defer s.Close()
	for i := range uint64(3) {
		mustAppend(t, s, Record{Snap: seqSnap(i + 1), Points: int(i + 1)})
	}
	seg := s.segs[0]
	flipByte(t, filepath.Join(dir, segName(seg.num)), seg.recs[1].end()-1)
	if got := seqs(drain(t, s)); !slices.Equal(got, []uint64{1, 3}) {
		t.Fatalf("records %v, want [1 3]", got)
	}
	if st := s.Stats(); st.Lost != 2 || st.Records != 0 || st.Points != 0 {
		t.Fatalf("Stats %+v, want Lost 2", st)
	}
	if lines := log.lines(); len(lines) != 1 || !strings.Contains(lines[0], "damaged") {
		t.Fatalf("log %q", lines)
	}

	// Fill two segments, start a third, and remove the second.
	var seq uint64 = 10
	for len(s.segs) < 3 {
		seq++
		mustAppend(t, s, Record{Snap: seqSnap(seq), Points: 1})
	}
	// Seqs 11 to seq: those of segs[0], then segs[1], then segs[2].
	gone := s.segs[1].recs
	first := 11 + uint64(len(s.segs[0].recs))
	var want []uint64
	for q := uint64(11); q <= seq; q++ {
		if q < first || q >= first+uint64(len(gone)) {
			want = append(want, q)
		}
	}
	os.Remove(filepath.Join(dir, segName(s.segs[1].num)))
	if got := seqs(drain(t, s)); !slices.Equal(got, want) {
		t.Fatalf("records %v, want %v", got, want)
	}
	if st := s.Stats(); st.Lost != 2+int64(len(gone)) {
		t.Fatalf("Lost %d, want %d", st.Lost, 2+len(gone))
	}
}

// A position write torn by a power loss damages one slot; the other holds
// the position before, so at most the last popped record comes back.
func TestTornPositionWriteFallsBack(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, 1<<20, nil)
	for i := range uint64(4) {
		mustAppend(t, s, Record{Snap: seqSnap(i + 1), Points: int(i + 1)})
	}
	s.Pop()
	s.Pop()
	gen := s.pos.gen
	s.Close()
	flipByte(t, filepath.Join(dir, positionName), int64(gen%2)*slotStride+14)
	reopen(t, dir, []uint64{2, 3, 4}, 0)

	// Both slots damaged: everything on disk is offered again, and the log
	// says so.
	flipByte(t, filepath.Join(dir, positionName), int64((gen+1)%2)*slotStride+14)
	var log logBuffer
	s = mustOpen(t, dir, 1<<20, log.logger())
	defer s.Close()
	if st := s.Stats(); st.Records != 4 {
		t.Fatalf("Stats %+v, want all 4 records", st)
	}
	if lines := log.lines(); len(lines) != 1 || !strings.Contains(lines[0], "consumed position is damaged") {
		t.Fatalf("log %q", lines)
	}
}
