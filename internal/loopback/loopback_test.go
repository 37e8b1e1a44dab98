package loopback_test

import (
	"net"
	"testing"

	"github.com/vitals-go/vitals/internal/loopback"
	"github.com/vitals-go/vitals/internal/loopback/loopbacktest"
)

// TestAddr checks the table that the servers' tests share, and addresses
// that are malformed.
func TestAddr(t *testing.T) {
	for _, h := range loopbacktest.Hosts {
		for _, port := range []string{"0", "6060"} {
			if got := loopback.Addr(h.Addr(port)); got != h.Loopback {
				t.Errorf("Addr(%q) = %v, want %v", h.Addr(port), got, h.Loopback)
			}
		}
		if got := loopback.Host(h.Name); got != h.Loopback {
			t.Errorf("Host(%q) = %v, want %v", h.Name, got, h.Loopback)
		}
	}
	for _, addr := range []string{"127.0.0.1", "localhost", "[::1", ""} { // no port, or not an address
		if loopback.Addr(addr) {
			t.Errorf("Addr(%q) = true", addr)
		}
	}
}

func TestListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if !loopback.Listener(ln) {
		t.Errorf("Listener(%v) = false", ln.Addr())
	}
	all, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	if loopback.Listener(all) {
		t.Errorf("Listener(%v) = true", all.Addr())
	}
}
