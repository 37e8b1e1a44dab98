//go:build unix

package opentsdb

import "syscall"

// setSmallReceiveBuffer makes a listening socket's connections advertise a
// small receive window, so that a peer that never reads fills it quickly.
func setSmallReceiveBuffer(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
	})
	if err != nil {
		return err
	}
	return serr
}
