package loopback_test

import (
	"net"
	"testing"

	"github.com/vitals-go/vitals/internal/loopback"
)

// Cases is the table every server that refuses remote addresses relies on.
func TestAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:10001": true,
		"127.0.0.2:0":     true,
		"[::1]:6060":      true,
		"localhost:6060":  true,
		"LOCALHOST:6060":  true,
		"LocalHost:0":     true,
		":6060":           false,
		"0.0.0.0:6060":    false,
		"[::]:0":          false,
		"192.0.2.1:6060":  false,
		"example.com:80":  false,
		"localhost.:80":   false,
		"127.0.0.1":       false, // no port
		"":                false,
	} {
		if got := loopback.Addr(addr); got != want {
			t.Errorf("Addr(%q) = %v, want %v", addr, got, want)
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
