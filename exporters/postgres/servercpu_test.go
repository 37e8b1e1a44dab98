package postgres

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat:
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// serverCPU measures the CPU time of a local PostgreSQL server, read from
// /proc: its postmaster, with the backends that exited (which the
// postmaster reaped), and every live child process. The server must run on
// this machine, and the benchmark be allowed to read its /proc entries.
type serverCPU struct {
	postmaster int
}

// newServerCPU finds the postmaster of the server behind pool: the parent
// of the backend serving this query.
func newServerCPU(ctx context.Context, pool *pgxpool.Pool) (*serverCPU, error) {
	var backend int
	if err := pool.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		return nil, err
	}
	st, err := readProcStat(backend)
	if err != nil {
		return nil, fmt.Errorf("server CPU: the server is not a process of this machine: %w", err)
	}
	return &serverCPU{postmaster: st.ppid}, nil
}

// used returns the server's CPU time so far.
func (s *serverCPU) used() (time.Duration, error) {
	pm, err := readProcStat(s.postmaster)
	if err != nil {
		return 0, err
	}
	ticks := pm.self + pm.children
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := readProcStat(pid)
		if err != nil || st.ppid != s.postmaster {
			continue // gone, or not a child of the postmaster
		}
		ticks += st.self + st.children
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// procStat is what serverCPU reads of /proc/<pid>/stat.
type procStat struct {
	ppid           int
	self, children int64 // utime+stime, cutime+cstime, in clock ticks
}

func readProcStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	// The command name, in parentheses, may hold spaces: the fields that
	// follow it start after its last ')'. They are state, ppid, and so on:
	// utime is the 14th field of the line, so the 12th after it.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 15 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	n := func(i int) int64 { v, _ := strconv.ParseInt(f[i], 10, 64); return v }
	return procStat{ppid: int(n(1)), self: n(11) + n(12), children: n(13) + n(14)}, nil
}

// clientCPU returns the CPU time of this process so far.
func clientCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
