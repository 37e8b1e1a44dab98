package process

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

var testStarted = time.Now()

func TestStatField(t *testing.T) {
	line := []byte("4242 (a) b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 12 0 98765 123456789 321 18446744073709551615\n")
	for _, c := range []struct {
		n    int
		want uint64
	}{{4, 1}, {statThreads, 12}, {statStartTime, 98765}, {statVirtual, 123456789}, {statResident, 321}} {
		if got, err := statField(line, c.n); err != nil || got != c.want {
			t.Errorf("field %d: %d, %v; want %d", c.n, got, err, c.want)
		}
	}
	for _, n := range []int{1, 3, 8, 25, 30} { // not a field after ')'; not a number; beyond the end
		if got, err := statField(line, n); err == nil {
			t.Errorf("field %d: %d, no error", n, got)
		}
	}
	if _, err := statField([]byte("no parenthesis 1 2 3"), 4); err == nil {
		t.Error("no error without the command name")
	}
}

func TestCountDirents(t *testing.T) {
	entry := func(name string, reclen int) []byte {
		b := make([]byte, reclen)
		b[16], b[17] = byte(reclen), byte(reclen>>8) // little endian, as on the machines tests run on
		copy(b[19:], name)
		return b
	}
	buf := bytes.Join([][]byte{entry(".", 24), entry("..", 24), entry("0", 24), entry("17", 24), entry("123456", 32)}, nil)
	if n, err := countDirents(buf, []byte("17")); err != nil || n != 2 {
		t.Fatalf("%d entries, %v; want 2", n, err)
	}
	for _, bad := range [][]byte{buf[:10], entry("1", 19), entry("1", 24)[:23]} {
		if n, err := countDirents(bad, nil); err == nil {
			t.Errorf("% x: %d entries, no error", bad, n)
		}
	}
}

func TestOpenFDsFollowsTheFilesOpened(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// os.WriteFile has started the runtime's poller, whose descriptors
	// stay open, so only the files below change the count.
	before := mustRead(t, openFDs)
	if want := listFDs(t); before != want {
		t.Fatalf("fds.open %v, /proc/self/fd lists %v", before, want)
	}
	var files []*os.File
	for range 5 {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if got := mustRead(t, openFDs); got != before+5 {
		t.Fatalf("fds.open %v with 5 more files open, was %v", got, before)
	}
	for _, f := range files {
		f.Close()
	}
	if got := mustRead(t, openFDs); got != before {
		t.Fatalf("fds.open %v after closing them, was %v", got, before)
	}
}

// listFDs counts the open descriptors with os, less the one it reads with.
func listFDs(t *testing.T) float64 {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return float64(len(entries) - 1)
}

func TestFDLimitIsTheSoftLimit(t *testing.T) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, fdLimit); got != float64(l.Cur) || got < mustRead(t, openFDs) {
		t.Fatalf("fds.max %v, RLIMIT_NOFILE %d", got, l.Cur)
	}
}

func TestThreadsMatchStatus(t *testing.T) {
	before := statusField(t, "Threads")
	got := mustRead(t, threads)
	after := statusField(t, "Threads")
	// The runtime may start threads, and only locked ones exit.
	if got < 1 || got < min(before, after) || got > max(before, after) {
		t.Fatalf("threads %v, /proc/self/status says %v then %v", got, before, after)
	}
}

func TestMemoryMatchesStatus(t *testing.T) {
	rss, vsz := mustRead(t, residentBytes), mustRead(t, virtualBytes)
	if !(0 < rss && rss <= vsz) {
		t.Fatalf("resident %v, virtual %v", rss, vsz)
	}
	for _, c := range []struct {
		name string
		got  float64
	}{{"VmRSS", rss}, {"VmSize", vsz}} {
		want := statusField(t, c.name) * 1024 // kB
		if math.Abs(c.got-want) > 1<<20+want/10 {
			t.Errorf("%s: %v, /proc/self/status says %v", c.name, c.got, want)
		}
	}
}

func TestCPUSecondsRiseWithWork(t *testing.T) {
	before := rusageSeconds(t)
	got := mustRead(t, cpuSeconds)
	if after := rusageSeconds(t); got < before || got > after {
		t.Fatalf("cpu seconds %v, getrusage says %v then %v", got, before, after)
	}
	x := uint64(1)
	for i := range 20_000_000 { // tens of milliseconds of work
		x = x*6364136223846793005 + uint64(i)
	}
	if after := mustRead(t, cpuSeconds); after <= got || x == 0 {
		t.Fatalf("cpu seconds %v after a busy loop, %v before", after, got)
	}
}

func rusageSeconds(t *testing.T) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func TestStartTimeIsWhenTheTestStarted(t *testing.T) {
	got := time.Unix(0, int64(mustRead(t, startTime)*1e9))
	// The process started shortly before this package's variables were
	// set; /proc/uptime and the clock may disagree by a tick or two.
	if d := testStarted.Sub(got); d < -time.Second || d > 10*time.Second {
		t.Fatalf("started %v, %v before the test package", got, d)
	}
}

func mustRead(t *testing.T, read func() (float64, error)) float64 {
	t.Helper()
	v, err := read()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// statusField returns the number after "name:" in /proc/self/status.
func statusField(t *testing.T, name string) float64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := bytes.Cut(b, []byte("\n"+name+":"))
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	fields := bytes.Fields(line)
	if !ok || len(fields) == 0 {
		t.Fatalf("no %s in /proc/self/status", name)
	}
	v, err := strconv.ParseFloat(string(fields[0]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
