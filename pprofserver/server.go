package pprofserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/vitals-go/vitals/internal/loopback"
)

// ErrShutdown is returned by a second call to Server.Shutdown.
var ErrShutdown = errors.New("pprofserver: already shut down")

// The server's timeouts. There is no ReadTimeout: net/http cancels a
// request's context when it expires, which would cut a CPU profile short;
// the symbol endpoint bounds its own body read instead.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 60 * time.Second
	// writeTimeout bounds each response from the end of its request's
	// headers. The CPU profile and trace endpoints extend it by the time
	// they were asked to record, up to MaxSeconds.
	writeTimeout   = 60 * time.Second
	maxHeaderBytes = 64 << 10
)

// Server is a running debug server, made by Start.
type Server struct {
	srv     *http.Server
	addr    string
	logger  *slog.Logger
	cancel  context.CancelFunc // ends in-flight CPU profiles and traces
	served  chan struct{}      // closed when Serve has returned
	restore func()             // puts the profiling rates back

	mu       sync.Mutex
	shutdown bool
}

// Start validates cfg, binds its address now (so that an address in use is
// an error here, not later in a log), and serves Handler(cfg) on it in the
// background until Shutdown. It sets the block and mutex profiling rates if
// cfg asks for them.
func Start(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("pprofserver: %w", err)
	}
	if !cfg.AllowRemote && !loopback.Listener(ln) {
		ln.Close()
		return nil, fmt.Errorf("pprofserver: %q is bound to %s, which other hosts can reach; set Config.AllowRemote to allow it: %w",
			cfg.Addr, ln.Addr(), ErrNotLoopback)
	}

	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		addr:   ln.Addr().String(),
		logger: cfg.Logger,
		cancel: cancel,
		served: make(chan struct{}),
	}
	handler := Handler(cfg)
	if !cfg.AllowRemote && cfg.Token == "" {
		handler = loopbackHost{handler}
	}
	s.srv = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	s.restore = setProfileRates(cfg.BlockProfileRate, cfg.MutexProfileFraction)
	go s.serve(ln)
	cfg.Logger.Info("pprofserver: listening", "addr", s.addr, "url", "http://"+s.addr+"/debug/pprof/",
		"bearer_token_required", cfg.Token != "")
	return s, nil
}

func (s *Server) serve(ln net.Listener) {
	defer close(s.served)
	if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		s.logger.Error("pprofserver: stopped serving", "addr", s.addr, "error", err)
	}
}

// Addr returns the address the server listens on, such as
// "127.0.0.1:41234": with port 0 in Config.Addr, the port that was picked.
func (s *Server) Addr() string { return s.addr }

// Shutdown stops the server. It closes the listener, ends CPU profiles and
// traces in progress (their clients get what was recorded so far), waits for
// the other requests to finish, and puts the block and mutex profiling rates
// back. If ctx ends first, it closes the remaining connections and returns
// an error wrapping ctx's error. When it returns, the server's goroutines
// are gone or on their way out. A second call returns ErrShutdown.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	done := s.shutdown
	s.shutdown = true
	s.mu.Unlock()
	if done {
		return ErrShutdown
	}
	defer s.restore()
	s.cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close() // the handlers left see their contexts canceled, their writes fail
		err = fmt.Errorf("pprofserver: Shutdown's context ended before the requests in progress finished; closed their connections: %w", err)
	}
	<-s.served
	return err
}

// setProfileRates turns on block and mutex profiling as asked, and returns
// the function that turns them back. The runtime has no way to read the
// block profile rate, so that one goes back to 0, which is off; the mutex
// fraction goes back to what it was.
func setProfileRates(blockRate, mutexFraction int) (restore func()) {
	if blockRate > 0 {
		runtime.SetBlockProfileRate(blockRate)
	}
	prevMutex := 0
	if mutexFraction > 0 {
		prevMutex = runtime.SetMutexProfileFraction(mutexFraction)
	}
	return func() {
		if blockRate > 0 {
			runtime.SetBlockProfileRate(0)
		}
		if mutexFraction > 0 {
			runtime.SetMutexProfileFraction(prevMutex)
		}
	}
}
