package pprofserver

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/vitals-go/vitals/internal/loopback"
	"github.com/vitals-go/vitals/metrics"
)

// DefaultAddr is where Start listens when Config.Addr is empty: the loopback
// interface only, on the port net/http/pprof's documentation made customary.
const DefaultAddr = "127.0.0.1:6060"

// ErrNotLoopback is wrapped by the error Start returns when Config.Addr can
// be reached from other hosts and Config.AllowRemote is false.
var ErrNotLoopback = loopback.ErrNotLoopback

// Config configures Handler and Start. The zero value serves metrics.Default
// on 127.0.0.1:6060.
type Config struct {
	// Addr is the TCP address to listen on. Defaults to DefaultAddr. A port
	// of 0 picks a free one: Server.Addr returns it, and Start logs it.
	Addr string

	// AllowRemote permits an Addr that other hosts can reach: an empty host
	// (":6060"), an unspecified one ("0.0.0.0:6060", "[::]:6060"), any other
	// non-loopback IP, or any host name but "localhost". Without it, Start
	// refuses such an address with an error wrapping ErrNotLoopback, because
	// these endpoints expose the process's memory, command line and code.
	// vitals.Start sets it from VITALS_PPROF_ALLOW_REMOTE=1. Set Token as
	// well, so that reaching the port is not enough.
	//
	// Without AllowRemote and without a Token, Start also refuses (403) a
	// request whose Host header is not localhost or a loopback address:
	// that is how a web page reaches a loopback server by DNS rebinding.
	AllowRemote bool

	// Token, if set, is a bearer token that every request must carry, on
	// every path (/healthz included) and whatever the address, loopback
	// too: "Authorization: Bearer <Token>". A request without it, or with
	// another token, gets 401 Unauthorized with a WWW-Authenticate: Bearer
	// header, before anything else is looked at. Tokens are compared in
	// constant time, and the token is never logged nor put in an error or
	// a response. It must be printable ASCII without spaces, such as the
	// output of `openssl rand -hex 32`. The server speaks plain HTTP, so
	// the token crosses the network in the clear: use it on networks you
	// trust, or behind a TLS proxy. Handler requires it too. Empty, the
	// default, requires nothing. vitals.Start sets it from
	// VITALS_PPROF_TOKEN.
	//
	// Browsers, which cannot add the header, log in instead: a page load
	// without the token gets, with its 401, a form that asks for it and
	// posts it to /debug/login, which answers with a session cookie and
	// sends the browser back to the page. The cookie opens every path as
	// the header does, until the process restarts; POST /debug/logout
	// drops it. These two endpoints exist only with a Token. See the
	// package documentation, "Browsers".
	Token string

	// Registry is the registry that /debug/metrics shows. Defaults to
	// metrics.Default.
	Registry *metrics.Registry

	// Health, if set, is served at /healthz (for every method). Without it,
	// /healthz answers 404.
	Health http.Handler

	// Live, if set, is served under /debug/vitals/, behind Token like every
	// other path, with that prefix stripped (see http.StripPrefix): it sees
	// /, /api/state and so on, and /debug/vitals redirects to
	// /debug/vitals/. vitals.Start sets it to the live page of the metrics
	// (see livepage.Page), which the index links to. Without it,
	// /debug/vitals/ answers 404.
	Live http.Handler

	// BlockProfileRate, if positive, is passed to runtime.SetBlockProfileRate
	// by Start, and the rate is set back to 0 by Shutdown. 0, the default,
	// leaves block profiling alone (off unless the program turned it on), so
	// it costs nothing. The setting is process-wide: let one Server own it.
	BlockProfileRate int

	// MutexProfileFraction, if positive, is passed to
	// runtime.SetMutexProfileFraction by Start, and Shutdown restores the
	// fraction that was set before. 0, the default, leaves it alone.
	MutexProfileFraction int

	// Logger receives the listening address and background errors.
	// Defaults to slog.Default().
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.Registry == nil {
		c.Registry = metrics.Default
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// validate checks a Config that has its defaults.
func (c Config) validate() error {
	if c.BlockProfileRate < 0 {
		return fmt.Errorf("pprofserver: BlockProfileRate is %d; it must be 0 (leave alone) or positive", c.BlockProfileRate)
	}
	if c.MutexProfileFraction < 0 {
		return fmt.Errorf("pprofserver: MutexProfileFraction is %d; it must be 0 (leave alone) or positive", c.MutexProfileFraction)
	}
	if err := checkToken(c.Token); err != nil {
		return err
	}
	return checkAddr(c.Addr, c.AllowRemote)
}

// checkAddr refuses an address that other hosts could reach, unless
// allowRemote. It decides from the text alone, before anything is bound.
func checkAddr(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("pprofserver: invalid Addr %q: %w", addr, err)
	}
	if allowRemote || loopback.Host(host) {
		return nil
	}
	return fmt.Errorf("pprofserver: refusing to listen on %q, which other hosts can reach: "+
		"the profiling endpoints expose the process's memory, command line and code. "+
		"Use a loopback address such as %q, or set Config.AllowRemote: %w",
		addr, DefaultAddr, ErrNotLoopback)
}
