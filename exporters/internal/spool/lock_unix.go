//go:build unix

package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockName is the lock file: flock'ed by the holder, it holds the holder's
// pid for the error that other processes get.
const lockName = "LOCK"

// lockDir takes the exclusive lock of dir. The kernel releases it when the
// returned file is closed or the process dies, so a crash never leaves a
// stale lock behind.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	raw, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("spool: %w", err)
	}
	var lockErr error
	if err := raw.Control(func(fd uintptr) {
		lockErr = syscall.Flock(int(fd), syscall.LOCK_EX|syscall.LOCK_NB)
	}); err != nil {
		lockErr = err
	}
	if errors.Is(lockErr, syscall.EWOULDBLOCK) {
		holder := readHolder(f)
		f.Close()
		return nil, fmt.Errorf("spool: %s is in use by process %s: %w", dir, holder, ErrLocked)
	}
	if lockErr != nil {
		f.Close()
		return nil, fmt.Errorf("spool: locking %s: %w", path, lockErr)
	}
	pid := strconv.Itoa(os.Getpid()) + "\n"
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, fmt.Errorf("spool: %w", err)
	}
	if _, err := f.WriteAt([]byte(pid), 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("spool: %w", err)
	}
	return f, nil
}

// readHolder returns the pid in a lock file held by another process, or
// "(pid unknown)" when the holder has not written it yet or the file holds
// something else.
func readHolder(f *os.File) string {
	var b [32]byte
	n, _ := f.ReadAt(b[:], 0)
	s := strings.TrimSpace(string(b[:n]))
	if pid, err := strconv.Atoi(s); err == nil && pid > 0 {
		return strconv.Itoa(pid)
	}
	return "(pid unknown)"
}
