package opentsdb

import (
	"net"
	"syscall"
	"unsafe"
)

// ackTracking is true where unacked can tell how much of what was written
// the peer has acknowledged.
const ackTracking = true

// Linux TCP states (include/net/tcp_states.h) in which the send queue is
// intact: a connection reset or closed purges it, and SIOCOUTQ then reads 0.
const (
	tcpEstablished = 1
	tcpCloseWait   = 8
)

// unacked returns how many bytes written to c the peer has not acknowledged
// yet (SIOCOUTQ: sent but unacknowledged, plus not sent). ok is false when
// that cannot be known: the connection was reset or closed, whose send queue
// the kernel has dropped.
func unacked(c *net.TCPConn) (n int, ok bool) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, false
	}
	cerr := rc.Control(func(fd uintptr) {
		var state [8]byte // struct tcp_info starts with u8 tcpi_state
		size := uint32(len(state))
		_, _, errno := syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, syscall.IPPROTO_TCP, syscall.TCP_INFO,
			uintptr(unsafe.Pointer(&state[0])), uintptr(unsafe.Pointer(&size)), 0)
		if errno != 0 || size < 1 || (state[0] != tcpEstablished && state[0] != tcpCloseWait) {
			return
		}
		var q int32
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCOUTQ, uintptr(unsafe.Pointer(&q))); errno != 0 {
			return
		}
		n, ok = int(q), true
	})
	if cerr != nil {
		return 0, false
	}
	return n, ok
}
