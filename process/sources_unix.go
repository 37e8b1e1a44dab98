//go:build unix && !linux

package process

// sources returns what getrusage and getrlimit give on every Unix; the
// other series need /proc.
func sources() []source {
	return []source{
		{"process.cpu.seconds", cpuSeconds},
		{"process.fds.max", fdLimit},
	}
}
