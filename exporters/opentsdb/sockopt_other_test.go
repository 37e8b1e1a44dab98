//go:build !unix

package opentsdb

import "syscall"

func setSmallReceiveBuffer(_, _ string, _ syscall.RawConn) error { return nil }
