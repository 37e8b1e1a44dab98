package loopbacktest

import "net"

// Host is a host of a listening address, and whether it reaches only this
// machine.
type Host struct {
	Name     string
	Loopback bool
}

// Addr returns the host:port address of h with port.
func (h Host) Addr(port string) string { return net.JoinHostPort(h.Name, port) }

// Hosts is the table: loopback names and literals first, then hosts that
// other machines can reach (an empty host is every interface) or that
// could resolve to anything.
var Hosts = []Host{
	{"127.0.0.1", true},
	{"127.0.0.2", true},
	{"::1", true},
	{"localhost", true},
	{"LOCALHOST", true},
	{"LocalHost", true},

	{"", false},
	{"0.0.0.0", false},
	{"::", false},
	{"192.0.2.1", false},
	{"10.0.0.1", false},
	{"2001:db8::1", false},
	{"example.com", false},
	{"localhost.", false},
	{"localhost.example.com", false},
	{"127.0.0.1.nip.io", false},
}
