package process

import "sync"

// sources returns the series Linux provides, in the order they are
// registered.
func sources() []source {
	return []source{
		{"process.cpu.seconds", cpuSeconds},
		{"process.memory.resident.bytes", residentBytes},
		{"process.memory.virtual.bytes", virtualBytes},
		{"process.threads", threads},
		{"process.fds.open", openFDs},
		{"process.fds.max", fdLimit},
		{"process.start.time.seconds", sync.OnceValues(startTime)},
	}
}
