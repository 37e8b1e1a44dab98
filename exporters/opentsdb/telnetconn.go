package opentsdb

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// telnetConn is one telnet connection and the goroutine that reads what the
// server says on it. A TSD answers a put line only when it fails ("put:
// unknown metric: ...", "put: illegal argument: ..."); those lines are
// logged. When the server closes the connection or it breaks, the reader
// marks it broken and interrupts a blocked Write.
type telnetConn struct {
	c      *net.TCPConn
	addr   string
	logger *slog.Logger

	broken atomic.Bool   // the reader hit EOF or an error
	done   chan struct{} // closed when the reader has returned

	errMu sync.Mutex
	err   error // why the reader stopped, nil for EOF
}

// Log at most this many of the server's lines per connection, then only
// count them.
const maxLoggedLines = 10

func newTelnetConn(c *net.TCPConn, addr string, logger *slog.Logger) *telnetConn {
	tc := &telnetConn{c: c, addr: addr, logger: logger, done: make(chan struct{})}
	go tc.read()
	return tc
}

// read logs the server's lines until the connection ends.
func (c *telnetConn) read() {
	defer close(c.done)
	r := bufio.NewReaderSize(c.c, 1024)
	lines, truncated := 0, false
	for {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 && !truncated {
			lines++
			if lines <= maxLoggedLines {
				msg := string(trimEOL(line))
				if err == bufio.ErrBufferFull {
					msg += "..."
				}
				c.logger.Warn("opentsdb: the TSD answered a put line (telnet puts cannot be matched to their answers; see the TSD's log)",
					"addr", c.addr, "answer", msg)
			}
		}
		truncated = err == bufio.ErrBufferFull // the rest of a long line follows
		if err != nil && err != bufio.ErrBufferFull {
			if lines > maxLoggedLines {
				c.logger.Warn("opentsdb: more answers from the TSD were not logged", "addr", c.addr, "answers", lines, "logged", maxLoggedLines)
			}
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				c.errMu.Lock()
				c.err = err
				c.errMu.Unlock()
			}
			c.broken.Store(true)
			// Interrupt a Write blocked on a connection nobody reads any more.
			_ = c.c.SetWriteDeadline(time.Unix(1, 0))
			return
		}
	}
}

// readErr returns the error that ended the reader, nil for EOF.
func (c *telnetConn) readErr() error {
	c.errMu.Lock()
	defer c.errMu.Unlock()
	return c.err
}

// close closes the connection and waits for the reader to return.
func (c *telnetConn) close() {
	c.broken.Store(true)
	_ = c.c.Close()
	<-c.done
}

func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
