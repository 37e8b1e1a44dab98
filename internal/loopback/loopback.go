package loopback

import (
	"errors"
	"net"
	"net/netip"
	"strings"
)

// ErrNotLoopback is wrapped by the errors of the servers that refuse an
// address other hosts could reach.
var ErrNotLoopback = errors.New("address is not loopback")

// Host reports whether host, from a host:port address, names only the
// loopback interface: "localhost" in any case, or a loopback IP literal.
// An empty host means every interface, and other names could resolve to
// anything, so both are refused.
func Host(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// Addr reports whether the host:port address names only the loopback
// interface. A malformed address is not loopback.
func Addr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && Host(host)
}

// Listener reports whether ln is bound to a loopback address: the check
// after binding that catches a "localhost" resolved to another address.
func Listener(ln net.Listener) bool {
	tcp, ok := ln.Addr().(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
