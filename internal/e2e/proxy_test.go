package e2e_test

import (
	"io"
	"net"
	"sync"
	"testing"
)

// stallProxy is a loopback TCP proxy in front of a backend that can make the
// backend look stuck: while it stalls, it accepts connections and never
// reads or answers them, like a server that is up but hung. Otherwise it
// forwards connections to the target. With no target it always stalls.
type stallProxy struct {
	l      net.Listener
	target string
	wg     sync.WaitGroup // the accept loop and the forwarding goroutines

	mu      sync.Mutex
	stalled bool
	closed  bool
	conns   map[net.Conn]struct{} // open connections, to clients and to the target
}

// newStallProxy starts a proxy to target on 127.0.0.1; it is closed at the
// end of the test.
func newStallProxy(tb testing.TB, target string) *stallProxy {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &stallProxy{l: l, target: target, stalled: target == "", conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	tb.Cleanup(p.close)
	return p
}

// addr returns the proxy's host:port.
func (p *stallProxy) addr() string { return p.l.Addr().String() }

// stall makes the backend hang: connections open now are cut, and new ones
// are accepted and never answered.
func (p *stallProxy) stall() { p.set(true) }

// resume ends the stall: the connections left hanging are cut, and new ones
// are forwarded to the target again.
func (p *stallProxy) resume() { p.set(false) }

func (p *stallProxy) set(stalled bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stalled = stalled
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *stallProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			return
		}
		p.conns[c] = struct{}{}
		stalled := p.stalled
		p.mu.Unlock()
		if !stalled {
			p.wg.Add(1)
			go p.forward(c)
		}
	}
}

// forward copies c to a new connection to the target and back, until
// either side closes.
func (p *stallProxy) forward(c net.Conn) {
	defer p.wg.Done()
	defer p.drop(c)
	b, err := net.Dial("tcp", p.target)
	if err != nil {
		return // c is closed: the client sees the backend gone
	}
	defer p.drop(b)
	if !p.track(b) {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(b, c) //nolint:errcheck // ends when either side closes
		b.Close()
	}()
	io.Copy(c, b) //nolint:errcheck // ends when either side closes
	c.Close()
	<-done
}

// track registers a connection to the target, unless the proxy stalled or
// closed meanwhile.
func (p *stallProxy) track(b net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stalled || p.closed {
		return false
	}
	p.conns[b] = struct{}{}
	return true
}

func (p *stallProxy) drop(c net.Conn) {
	c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

func (p *stallProxy) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.l.Close()
	p.set(false)
	p.wg.Wait()
}
