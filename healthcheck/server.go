package healthcheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// ServerConfig configures the health socket. Every field has a default,
// selected by its zero value.
type ServerConfig struct {
	// Addr is the TCP address to listen on, such as "127.0.0.1:10001".
	// Port 0 picks a free port; Server.Addr tells which. An address other
	// hosts can reach (such as ":10001", which is every interface) is
	// refused unless AllowRemote is set. Defaults to "127.0.0.1:10001",
	// unless Unix is set: then an empty Addr means no TCP listener.
	Addr string

	// Unix is the path of a unix socket to listen on as well, such as
	// "/run/alerts/health.sock"; "" for none. A socket file left there by
	// a process that is gone is replaced; Close removes the file.
	Unix string

	// AllowRemote allows an Addr that is not loopback-only.
	AllowRemote bool

	// MaxConns is how many connections are served at once, over TCP and
	// the unix socket together. A connection beyond it gets the single
	// line "BUSY ..." and is closed at once; it is never queued.
	// Defaults to 64.
	MaxConns int

	// WriteTimeout bounds writing the report to a client, so that a client
	// that never reads holds its connection no longer than this. It starts
	// once the report is built. Defaults to 2 s.
	WriteTimeout time.Duration
}

// DefaultAddr is where Serve listens when ServerConfig has no address: the
// loopback interface, port 10001.
const DefaultAddr = "127.0.0.1:10001"

// The defaults documented on ServerConfig.
const (
	defaultMaxConns     = 64
	defaultWriteTimeout = 2 * time.Second
)

// Timings of the connection handling that are not configurable.
const (
	// busyTimeout bounds writing the busy line, which the accept loop does
	// itself. The first write to a new connection fits in its empty socket
	// buffer, so this never waits in practice.
	busyTimeout = 100 * time.Millisecond
	// lingerTimeout bounds how long a handler waits, after the report, for
	// the client to close its side. Closing a socket with unread input
	// resets the connection, which can destroy the end of the report
	// before the client read it; so the handler shuts down its side and
	// discards input until the client closes, as net/http does.
	lingerTimeout = 500 * time.Millisecond
	// maxDiscard bounds the input discarded while lingering.
	maxDiscard = 64 << 10
	// maxAcceptBackoff bounds the wait after a failed Accept.
	maxAcceptBackoff = time.Second
)

// ErrServerClosed is returned by a second Close.
var ErrServerClosed = errors.New("healthcheck: server already closed")

// errClosing is the cause of reports cut short by Close.
var errClosing = errors.New("the health server is closing")

// Server is the health socket: every connection, over TCP or the unix
// socket, gets the text report (see Report.WriteText) and is closed. The
// server never reads a request: `nc host 10001` is the client.
type Server struct {
	h            *Health
	writeTimeout time.Duration
	tcp          net.Listener // nil when none
	unix         net.Listener // nil when none
	slots        chan struct{}

	ctx    context.Context // cancelled by Close, with errClosing
	cancel context.CancelCauseFunc
	wg     sync.WaitGroup // the accept loops and the handlers

	mu     sync.Mutex
	conns  map[net.Conn]struct{} // open connections
	closed bool
}

// Serve listens on the addresses of cfg now, and serves the report on
// them in the background until Close. It returns an error if cfg is
// invalid or an address cannot be bound.
func (h *Health) Serve(cfg ServerConfig) (*Server, error) {
	var problems []string
	if cfg.MaxConns < 0 {
		problems = append(problems, fmt.Sprintf("MaxConns is %d; it must be positive (or 0 for the default, %d)",
			cfg.MaxConns, defaultMaxConns))
	}
	if cfg.WriteTimeout < 0 {
		problems = append(problems, fmt.Sprintf("WriteTimeout is %v; it must be positive (or 0 for the default, %v)",
			cfg.WriteTimeout, defaultWriteTimeout))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("healthcheck: invalid ServerConfig: %s", strings.Join(problems, "; "))
	}
	if cfg.Addr == "" && cfg.Unix == "" {
		cfg.Addr = DefaultAddr
	}
	s := &Server{
		h:            h,
		writeTimeout: orDefault(cfg.WriteTimeout, defaultWriteTimeout),
		slots:        make(chan struct{}, orDefault(cfg.MaxConns, defaultMaxConns)),
		conns:        make(map[net.Conn]struct{}),
	}
	if cfg.Addr != "" {
		ln, err := listenTCP(cfg.Addr, cfg.AllowRemote)
		if err != nil {
			return nil, err
		}
		s.tcp = ln
	}
	if cfg.Unix != "" {
		ln, err := listenUnix(cfg.Unix)
		if err != nil {
			if s.tcp != nil {
				s.tcp.Close()
			}
			return nil, err
		}
		s.unix = ln
	}
	s.ctx, s.cancel = context.WithCancelCause(context.Background())
	for _, ln := range []net.Listener{s.tcp, s.unix} {
		if ln != nil {
			s.wg.Add(1)
			go s.accept(ln)
		}
	}
	return s, nil
}

// Addr returns the address of the TCP listener, with the port chosen for
// port 0; or, when there is no TCP listener, the unix socket's.
func (s *Server) Addr() net.Addr {
	if s.tcp != nil {
		return s.tcp.Addr()
	}
	return s.unix.Addr()
}

// Close stops accepting connections, lets the connections being served
// finish for up to WriteTimeout, then closes those that remain, and
// returns when every goroutine of the server has ended. Reports that were
// still being built are cut short (the report's checks go on, within
// Config.CheckTimeout, for the next caller of Report). Close removes the
// unix socket file. A second Close returns ErrServerClosed.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.closed = true
	s.mu.Unlock()

	var errs []error
	for _, ln := range []net.Listener{s.tcp, s.unix} {
		if ln != nil {
			if err := ln.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	s.cancel(errClosing)

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	grace := time.NewTimer(s.writeTimeout)
	defer grace.Stop()
	select {
	case <-done:
	case <-grace.C:
		s.mu.Lock()
		for conn := range s.conns {
			conn.Close()
		}
		s.mu.Unlock()
		<-done
	}
	return errors.Join(errs...)
}

// accept accepts connections on ln until it is closed. It never blocks on
// a handler: a connection that finds every slot taken is turned away.
func (s *Server) accept(ln net.Listener) {
	defer s.wg.Done()
	var backoff time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || s.ctx.Err() != nil {
				return
			}
			// Such as running out of file descriptors: wait, as net/http does.
			backoff = min(max(2*backoff, 5*time.Millisecond), maxAcceptBackoff)
			s.h.logger.Warn("healthcheck: accepting a connection failed; retrying", "error", err, "retry_in", backoff)
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-s.ctx.Done():
				t.Stop()
				return
			}
			continue
		}
		backoff = 0
		select {
		case s.slots <- struct{}{}:
		default:
			s.busy(conn)
			continue
		}
		if !s.track(conn) {
			conn.Close()
			<-s.slots
			return
		}
		s.wg.Add(1)
		go s.serve(conn)
	}
}

// busy tells a connection beyond MaxConns to come back later, and closes
// it.
func (s *Server) busy(conn net.Conn) {
	conn.SetWriteDeadline(time.Now().Add(busyTimeout))
	fmt.Fprintf(conn, "%s: %d health connections are open; try again\n", busyWord, cap(s.slots))
	conn.Close()
}

// serve writes the report to conn and closes it.
func (s *Server) serve(conn net.Conn) {
	defer s.wg.Done()
	defer func() { <-s.slots }()
	defer s.untrack(conn)

	report := s.h.Report(s.ctx)
	conn.SetWriteDeadline(time.Now().Add(s.writeTimeout))
	if err := report.WriteText(conn); err != nil {
		s.h.logger.Debug("healthcheck: writing the report failed", "remote", conn.RemoteAddr(), "error", err)
		return
	}
	if cw, ok := conn.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
		conn.SetReadDeadline(time.Now().Add(min(lingerTimeout, s.writeTimeout)))
		io.CopyN(io.Discard, conn, maxDiscard) // until the client closes, the deadline, or enough
	}
}

// track records an open connection, so that Close can close it; it
// returns false when the server is closed.
func (s *Server) track(conn net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[conn] = struct{}{}
	return true
}

// untrack closes a connection and forgets it.
func (s *Server) untrack(conn net.Conn) {
	conn.Close()
	s.mu.Lock()
	delete(s.conns, conn)
	s.mu.Unlock()
}

// orDefault returns v, or def when v is zero.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
