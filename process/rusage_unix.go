//go:build unix

package process

import (
	"fmt"
	"syscall"
)

// cpuSeconds returns the user plus system CPU time of every thread of the
// process since it started, in seconds, from getrusage(RUSAGE_SELF).
func cpuSeconds() (float64, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9, nil
}

// fdLimit returns the soft limit on open file descriptors (RLIMIT_NOFILE),
// which Go raises to the hard limit at startup.
func fdLimit() (float64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, fmt.Errorf("getrlimit(RLIMIT_NOFILE): %w", err)
	}
	return float64(l.Cur), nil
}
