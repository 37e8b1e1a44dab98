// Package process exports what the operating system knows about the running
// process, the series client_golang's process collector and tcollector give:
// CPU time, memory, file descriptors and their limit, threads and start
// time. It reads /proc and system calls, so package metrics stays free of
// I/O; every series is a functional gauge read at snapshot time. Pair it
// with Registry.EnableRuntimeMetrics for the Go runtime's own series.
//
// A complete program:
//
//	package main
//
//	import (
//		"fmt"
//		"log"
//
//		"github.com/vitals-go/vitals/metrics"
//		"github.com/vitals-go/vitals/process"
//	)
//
//	func main() {
//		reg := metrics.NewRegistry()
//		reg.EnableRuntimeMetrics()
//		if err := process.Register(reg); err != nil {
//			log.Fatal(err)
//		}
//		for _, s := range reg.Peek().Series {
//			fmt.Println(s.Name, s.Value, s.Count)
//		}
//	}
//
// # Series
//
// All are float gauges without tags, except the counter process.read.errors.
//
//	process.cpu.seconds            user plus system CPU time since start (getrusage)
//	process.memory.resident.bytes  resident set size (/proc/self/stat rss)
//	process.memory.virtual.bytes   virtual memory size (/proc/self/stat vsize)
//	process.threads                operating system threads (/proc/self/stat)
//	process.fds.open               open file descriptors (entries of /proc/self/fd)
//	process.fds.max                the soft RLIMIT_NOFILE (getrlimit)
//	process.start.time.seconds     when the process started, Unix seconds, to 10 ms
//	process.read.errors            reads that failed (a counter)
//
// Linux has all of them. Other Unix systems have process.cpu.seconds and
// process.fds.max; elsewhere Register registers nothing.
//
// process.cpu.seconds only rises; its rate is the number of cores busy. It
// is a float gauge of the kernel's total rather than a metrics.Counter of
// nanoseconds, since a Counter is incremented by the application and would
// need the previous total kept between snapshots to be fed. process.fds.max
// is the limit in force, which Go raises to the hard limit at startup.
//
// # Cost and errors
//
// One collection takes about 15 µs and four allocations of 16 bytes on
// Linux (BenchmarkCollect: three reads of /proc/self/stat, one listing of
// /proc/self/fd, two system calls); listing the descriptors costs about
// 0.35 µs per open descriptor in the kernel (BenchmarkOpenFDs10000).
//
// A series whose source cannot be read when Register runs (no /proc, a
// sandbox) is left out and logged. A read that fails later, such as opening
// /proc when the descriptors are exhausted, leaves the series out of that
// snapshot (the registry counts the NaN as a bad value), adds one to
// process.read.errors, and is logged the first time only.
package process
