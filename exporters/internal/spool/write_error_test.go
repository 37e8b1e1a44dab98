//go:build linux

package spool

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
)

// fillUntilError appends records of about 3 KiB until Append fails, checks
// that the failed Append changed nothing (the partial write is cut off),
// and returns how many were appended and the error.
func fillUntilError(t *testing.T, s *Spool, dir string) (int, error) {
	t.Helper()
	snap := snapshotOf(50)
	for i := 1; i <= 1000; i++ {
		before := s.Stats()
		snap.Seq = uint64(i)
		dropped, err := s.Append(Record{Snap: snap, Points: i})
		if dropped != 0 {
			t.Fatalf("Append %d dropped %d points: the cap should not be reached", i, dropped)
		}
		if err == nil {
			continue
		}
		if after := s.Stats(); after != before {
			t.Errorf("a failed Append changed Stats from %+v to %+v", before, after)
		}
		if got := segmentBytes(t, dir); got != before.Bytes {
			t.Errorf("after a failed Append the segments hold %d bytes, want %d: the partial write is not cut off", got, before.Bytes)
		}
		return i - 1, err
	}
	t.Fatal("no write error after 1000 appends")
	return 0, nil
}

// checkAfterError reopens dir and checks that the n records appended
// before the error are all there, in order, undamaged.
func checkAfterError(t *testing.T, dir string, n int) {
	t.Helper()
	var log logBuffer
	s := mustOpen(t, dir, 1<<20, log.logger())
	defer s.Close()
	if lines := log.lines(); len(lines) != 0 {
		t.Errorf("Open after a failed write logged %q", lines)
	}
	if st := s.Stats(); st.Records != n || st.Lost != 0 {
		t.Fatalf("Stats %+v, want %d records and nothing lost", st, n)
	}
	for i, r := range drain(t, s) {
		if r.Snap.Seq != uint64(i+1) || r.Points != i+1 {
			t.Fatalf("record %d: Seq %d Points %d", i, r.Snap.Seq, r.Points)
		}
	}
}

// A full disk: a 64 KiB tmpfs. Append returns ENOSPC, loses nothing, and
// works again once popping removes a segment. Needs root (mount).
func TestDiskFullOnTmpfs(t *testing.T) {
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("cannot mount a tmpfs (%v); TestFileSizeLimit covers write errors", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(mnt, 0); err != nil {
			t.Errorf("unmount %s: %v", mnt, err)
		}
	})
	dir := filepath.Join(mnt, "spool")
	s := mustOpen(t, dir, 1<<20, nil) // cap above the disk's size; 32 KiB segments
	n, err := fillUntilError(t, s, dir)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Append on a full disk: %v, want ENOSPC", err)
	}
	t.Logf("%d records of about 3 KiB before the disk was full", n)
	// Popping the first segment's records removes it and frees its space.
	popped := len(s.segs[0].recs)
	for range popped {
		if err := s.Pop(); err != nil {
			t.Fatal(err)
		}
	}
	snap := snapshotOf(50)
	snap.Seq = uint64(n + 1)
	if _, err := s.Append(Record{Snap: snap, Points: n + 1}); err != nil {
		t.Fatalf("Append after freeing a segment: %v", err)
	}
	s.Close()
	s = mustOpen(t, dir, 1<<20, nil)
	defer s.Close()
	recs := drain(t, s)
	if len(recs) != n+1-popped || recs[0].Snap.Seq != uint64(popped+1) || recs[len(recs)-1].Snap.Seq != uint64(n+1) {
		t.Fatalf("after reopen: %d records from Seq %d, want %d from Seq %d", len(recs), recs[0].Snap.Seq, n+1-popped, popped+1)
	}
	if st := s.Stats(); st.Lost != 0 {
		t.Fatalf("Lost %d", st.Lost)
	}
}

// A write error without root: a child process with a file size limit of
// 48 KiB (RLIMIT_FSIZE). Segments of a 4 MiB cap take 128 KiB, so a record
// crosses the limit: the write fails with EFBIG after writing part of it.
func TestFileSizeLimit(t *testing.T) {
	if dir := os.Getenv("SPOOL_FSIZE_DIR"); dir != "" {
		fileSizeLimitChild(t, dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFileSizeLimit$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "SPOOL_FSIZE_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`appended=(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("child said:\n%s", out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	checkAfterError(t, dir, n)
}

func fileSizeLimitChild(t *testing.T, dir string) {
	const limit = 48 << 10
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		t.Fatal(err)
	}
	s := mustOpen(t, dir, 4<<20, nil)
	defer s.Close()
	n, err := fillUntilError(t, s, dir)
	if !errors.Is(err, syscall.EFBIG) {
		t.Fatalf("Append beyond the file size limit: %v, want EFBIG", err)
	}
	if n == 0 || segmentBytes(t, dir) == limit {
		t.Fatalf("%d records in %d bytes: want a record cut by the limit", n, segmentBytes(t, dir))
	}
	fmt.Printf("appended=%d (%d bytes), then: %v\n", n, segmentBytes(t, dir), err)
}
