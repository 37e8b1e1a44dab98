package healthcheck

import (
	"cmp"
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
	// a process that is gone is replaced; Shutdown removes the file.
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

// DefaultAddr is where Start listens when ServerConfig has no address: the
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

// ErrShutdown is returned by a second call to Server.Shutdown.
var ErrShutdown = errors.New("healthcheck: already shut down")

// errClosing is the cause of reports cut short by Shutdown.
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

	ctx    context.Context // cancelled by Shutdown, with errClosing
	cancel context.CancelCauseFunc
	wg     sync.WaitGroup // the accept loops and the handlers

	mu     sync.Mutex
	conns  map[net.Conn]struct{} // open connections
	closed bool
}

// Start listens on the addresses of cfg now (so that an address in use is
// an error here, not later in a log), and serves the report on them in the
// background until Shutdown. It returns an error if cfg is invalid or an
// address cannot be bound; an address other hosts can reach, without
// AllowRemote, is an error wrapping ErrNotLoopback.
func (h *Health) Start(cfg ServerConfig) (*Server, error) {
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
		writeTimeout: cmp.Or(cfg.WriteTimeout, defaultWriteTimeout),
		slots:        make(chan struct{}, cmp.Or(cfg.MaxConns, defaultMaxConns)),
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

// Addr returns the address of the TCP listener, such as "127.0.0.1:41234"
// (with port 0 in ServerConfig.Addr, the port that was picked); or, when
// there is no TCP listener, the path of the unix socket.
func (s *Server) Addr() string {
	if s.tcp != nil {
		return s.tcp.Addr().String()
	}
	return s.unix.Addr().String()
}

// Shutdown stops the server. It closes the listeners (removing the unix
// socket file), cuts short the reports still being built (the report's
// checks go on, within Config.CheckTimeout, for the next caller of
// Report), and waits for the connections being served to finish writing,
// for up to WriteTimeout. Then it closes those that remain. If ctx ends
// first, it closes them at once and returns an error wrapping ctx's error.
// When it returns, every goroutine of the server has ended. A second call
// returns ErrShutdown.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrShutdown
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
		s.closeConns()
	case <-ctx.Done():
		if n := s.closeConns(); n > 0 {
			errs = append(errs, fmt.Errorf("healthcheck: Shutdown's context ended while %d connections were being served; closed them: %w", n, ctx.Err()))
		}
	}
	return errors.Join(errs...)
}

// closeConns closes the open connections, waits for their handlers and the
// accept loops to return, and says how many it closed. A handler whose
// connection is closed fails its write at once; its report was cut short
// before.
func (s *Server) closeConns() int {
	s.mu.Lock()
	n := len(s.conns)
	for conn := range s.conns {
		conn.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return n
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

// track records an open connection, so that Shutdown can close it; it
// returns false when the server is shut down.
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
