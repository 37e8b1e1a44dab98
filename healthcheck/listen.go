package healthcheck

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/vitals-go/vitals/internal/loopback"
)

// listenTCP listens on addr, refusing an address that other hosts could
// reach unless allowRemote. The check is made on the address as written
// (so nothing is exposed even briefly) and again on the address bound.
func listenTCP(addr string, allowRemote bool) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("healthcheck: Addr %q: %w", addr, err)
	}
	if !allowRemote && !loopback.Host(host) {
		return nil, remoteError(addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("healthcheck: %w", err)
	}
	if !allowRemote && !loopback.Listener(ln) {
		ln.Close()
		return nil, remoteError(addr)
	}
	return ln, nil
}

// ErrNotLoopback is wrapped by the error Start returns when ServerConfig.Addr
// can be reached from other hosts and AllowRemote is not set. It is the same
// value as pprofserver.ErrNotLoopback.
var ErrNotLoopback = loopback.ErrNotLoopback

func remoteError(addr string) error {
	return fmt.Errorf("healthcheck: Addr %q is not a loopback address, so other hosts could read the health report; "+
		"listen on 127.0.0.1 (such as 127.0.0.1:0), or set ServerConfig.AllowRemote to expose it: %w", addr, ErrNotLoopback)
}

// listenUnix listens on the unix socket path. A socket file left there by
// a process that is gone is replaced; a socket that a live process answers
// on, or a file that is not a socket, is an error. Closing the listener
// removes the file.
func listenUnix(path string) (*net.UnixListener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("healthcheck: Unix %q exists and is not a socket; not replacing it", path)
		}
		conn, err := net.DialTimeout("unix", path, time.Second)
		if err == nil {
			conn.Close()
			return nil, fmt.Errorf("healthcheck: Unix %q is in use by a live process", path)
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("healthcheck: Unix %q exists and cannot be checked: %w", path, err)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("healthcheck: removing the stale socket: %w", err)
		}
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("healthcheck: %w", err)
	}
	return ln, nil
}
