package pprofserver

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
)

// FuzzCheckAddr: checkAddr never panics, and an address it lets through
// without AllowRemote names a loopback host.
func FuzzCheckAddr(f *testing.F) {
	for _, s := range []string{
		"127.0.0.1:6060", "localhost:0", "LOCALHOST:1", "[::1]:0", "[::ffff:127.0.0.1]:0", "[::1%lo]:0",
		":6060", "0.0.0.0:0", "[::]:0", "10.0.0.1:0", "example.com:80", "127.0.0.1.nip.io:0",
		"localhost.:0", "127.1:0", "0x7f.0.0.1:0", "", ":", "[", "a:b:c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		err := checkAddr(addr, false)
		if err != nil {
			if _, _, splitErr := net.SplitHostPort(addr); splitErr == nil && !errors.Is(err, ErrNotLoopback) {
				t.Errorf("checkAddr(%q): %v, want ErrNotLoopback", addr, err)
			}
			if checkAddr(addr, true) == nil && !errors.Is(err, ErrNotLoopback) {
				t.Errorf("checkAddr(%q) refused for another reason than remoteness: %v", addr, err)
			}
			return
		}
		host, _, _ := net.SplitHostPort(addr)
		if strings.EqualFold(host, "localhost") {
			return
		}
		ip, perr := netip.ParseAddr(host)
		if perr != nil || !ip.IsLoopback() {
			t.Errorf("checkAddr(%q) accepted host %q, which is not loopback", addr, host)
		}
		// The standard library, which Listen uses, agrees.
		if std := net.ParseIP(ip.WithZone("").String()); std == nil || !std.IsLoopback() {
			t.Errorf("checkAddr(%q) accepted host %q, which net.ParseIP does not call loopback", addr, host)
		}
	})
}
