package process

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// The /proc/self/stat fields read here, numbered as in proc(5).
const (
	statThreads   = 20 // num_threads
	statStartTime = 22 // starttime, in clock ticks after boot
	statVirtual   = 23 // vsize, in bytes
	statResident  = 24 // rss, in pages
)

// userHZ is the unit of /proc's clock ticks, USER_HZ, which is 100 on every
// architecture Go supports (sysconf(_SC_CLK_TCK) needs cgo).
const userHZ = 100

// statLen is the buffer for /proc/self/stat: 52 numbers of at most 20
// digits and a name of at most 64 bytes.
const statLen = 2048

var pageSize = uint64(os.Getpagesize())

func residentBytes() (float64, error) {
	pages, err := selfStat(statResident)
	return float64(pages * pageSize), err
}

func virtualBytes() (float64, error) {
	b, err := selfStat(statVirtual)
	return float64(b), err
}

func threads() (float64, error) {
	n, err := selfStat(statThreads)
	return float64(n), err
}

// startTime returns when the process started, in seconds since the Unix
// epoch: now, less the time since boot (/proc/uptime), plus the start in
// ticks after boot. It is exact to a clock tick, 10 ms.
func startTime() (float64, error) {
	ticks, err := selfStat(statStartTime)
	if err != nil {
		return 0, err
	}
	var buf [128]byte
	b, err := readFile("/proc/uptime", buf[:])
	if err != nil {
		return 0, err
	}
	now := time.Now()
	first, _, _ := bytes.Cut(bytes.TrimSpace(b), []byte(" "))
	uptime, err := strconv.ParseFloat(string(first), 64)
	if err != nil {
		return 0, fmt.Errorf("/proc/uptime: %w", err)
	}
	return float64(now.UnixNano())/1e9 - uptime + float64(ticks)/userHZ, nil
}

// selfStat returns field n of /proc/self/stat.
func selfStat(n int) (uint64, error) {
	var buf [statLen]byte
	b, err := readFile("/proc/self/stat", buf[:])
	if err != nil {
		return 0, err
	}
	v, err := statField(b, n)
	if err != nil {
		return 0, fmt.Errorf("/proc/self/stat: %w", err)
	}
	return v, nil
}

// statField returns field n (3 or more, numbered as in proc(5)) of a
// /proc/<pid>/stat line as an unsigned number. Fields are counted after the
// last ')', since the command name in field 2 may hold spaces and ')'.
func statField(stat []byte, n int) (uint64, error) {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 || n < 3 {
		return 0, fmt.Errorf("no field %d in %q", n, string(stat)) // a copy: stat stays on the caller's stack
	}
	rest := stat[end+1:]
	var field []byte
	for i := 3; i <= n; i++ {
		rest = bytes.TrimLeft(rest, " ")
		sp := bytes.IndexAny(rest, " \n")
		if sp < 0 {
			sp = len(rest)
		}
		field, rest = rest[:sp], rest[sp:]
	}
	v, ok := parseUint(field)
	if !ok {
		return 0, fmt.Errorf("field %d is %q, not a number", n, string(field))
	}
	return v, nil
}

// parseUint parses a non-empty decimal number without allocating.
func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

// readFile reads a small file whole into buf and returns the part read. It
// fails when the file does not fit.
func readFile(path string, buf []byte) ([]byte, error) {
	fd, err := open(path, syscall.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	n := 0
	for {
		if n == len(buf) {
			return nil, fmt.Errorf("%s: longer than %d bytes", path, len(buf))
		}
		m, err := syscall.Read(fd, buf[n:])
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return nil, fmt.Errorf("read %s: %w", path, err)
		case m == 0:
			return buf[:n], nil
		}
		n += m
	}
}

// openFDs counts the entries of /proc/self/fd, except the one open to read
// it.
func openFDs() (float64, error) {
	const dir = "/proc/self/fd"
	fd, err := open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY)
	if err != nil {
		return 0, err
	}
	defer syscall.Close(fd)
	var own [20]byte
	self := strconv.AppendInt(own[:0], int64(fd), 10)
	var buf [8192]byte
	count := 0
	for {
		n, err := syscall.ReadDirent(fd, buf[:])
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return 0, fmt.Errorf("read %s: %w", dir, err)
		case n == 0:
			return float64(count), nil
		}
		c, err := countDirents(buf[:n], self)
		if err != nil {
			return 0, fmt.Errorf("read %s: %w", dir, err)
		}
		count += c
	}
}

// countDirents counts the entries in a getdents64 buffer other than ".",
// ".." and skip. Each entry is a struct linux_dirent64: inode (8 bytes),
// offset (8), record length (2), type (1), then the name, NUL-terminated and
// padded to the record length.
func countDirents(buf, skip []byte) (int, error) {
	const nameAt = 19
	count := 0
	for len(buf) > 0 {
		if len(buf) < nameAt {
			return 0, errors.New("truncated directory entry")
		}
		reclen := int(binary.NativeEndian.Uint16(buf[16:]))
		if reclen <= nameAt || reclen > len(buf) {
			return 0, fmt.Errorf("directory entry of %d bytes", reclen)
		}
		name := buf[nameAt:reclen]
		if nul := bytes.IndexByte(name, 0); nul >= 0 {
			name = name[:nul]
		}
		if !bytes.Equal(name, []byte(".")) && !bytes.Equal(name, []byte("..")) && !bytes.Equal(name, skip) {
			count++
		}
		buf = buf[reclen:]
	}
	return count, nil
}

// open opens path with O_CLOEXEC, retrying when interrupted. It bypasses os
// so that reading costs no allocation and no poller registration.
func open(path string, mode int) (int, error) {
	for {
		fd, err := syscall.Open(path, mode|syscall.O_CLOEXEC, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return fd, nil
	}
}
