package vitals

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/console"
	"github.com/vitals-go/vitals/exporters/opentsdb"
	"github.com/vitals-go/vitals/exporters/postgres"
	"github.com/vitals-go/vitals/healthcheck"
	"github.com/vitals-go/vitals/internal/loopback"
	"github.com/vitals-go/vitals/livepage"
	"github.com/vitals-go/vitals/metrics"
	"github.com/vitals-go/vitals/pprofserver"
	"github.com/vitals-go/vitals/process"
)

// Instance is what Start set up. Shutdown stops it.
type Instance struct {
	// Health is the health report; register checks on it.
	Health *healthcheck.Health

	shutdownTimeout time.Duration
	reporter        *exporters.Reporter
	exporters       map[string]exporters.Exporter // until the reporter owns them
	health          *healthcheck.Server
	pprof           *pprofserver.Server
	live            *livepage.Page // served by pprof; nil when pprof is off
}

// Start sets up everything cfg asks for: the registry's default tags (host,
// service, version), the Go runtime's and the process's own metrics
// (metrics.Registry.EnableRuntimeMetrics, process.Register), the exporters
// and their Reporter, the health socket, and the pprof server with the
// live page of the metrics at /debug/vitals/ (see livepage). Invalid configuration, an address in use or an
// unreachable backend is one error listing every problem, each naming the
// setting to change (the VITALS_* variable when the value came from the
// environment); nothing is then left running and nothing is written to
// the console.
func Start(ctx context.Context, cfg Config) (*Instance, error) {
	s, err := resolve(cfg)
	problems := []error{err} // errors.Join skips the nils
	inst := &Instance{shutdownTimeout: s.ShutdownTimeout}
	ok := false
	defer func() {
		if !ok {
			inst.abort(ctx)
		}
	}()

	var exporterProblems []error
	inst.exporters, exporterProblems = newExporters(ctx, s)
	problems = append(problems, exporterProblems...)
	inst.Health, err = healthcheck.New(healthcheck.Config{Service: cmp.Or(s.Service, "unnamed"), Release: s.Release, Logger: s.Logger})
	if err != nil {
		return nil, fmt.Errorf("vitals: %w", err)
	}
	// The pprof server, and so the live page, serve before the Reporter
	// exists: the page reads it through rep.
	var rep atomic.Pointer[exporters.Reporter]
	if s.PprofAddr != Off {
		inst.live, err = livepage.New(livepage.Config{
			Window: s.LiveWindow, Interval: s.FlushInterval, Health: inst.Health.Report,
			Exporters: func() []exporters.ExporterHealth {
				if r := rep.Load(); r != nil {
					return r.Health()
				}
				return nil
			},
		})
		problems = append(problems, err)
	}
	problems = append(problems, inst.listen(s)...)
	if err := errors.Join(problems...); err != nil {
		return nil, fmt.Errorf("vitals: cannot start:\n%w", err)
	}

	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	if err := s.Registry.SetDefaultTags(metrics.Tags{metrics.TagHost: host, metrics.TagService: s.Service, metrics.TagVersion: s.Release}); err != nil {
		return nil, fmt.Errorf("vitals: %w", err)
	}
	s.Registry.EnableRuntimeMetrics()
	if err := process.Register(s.Registry, process.WithLogger(s.Logger)); err != nil {
		s.Logger.Warn("vitals: some process metrics were refused", "error", err) // the others are registered
	}
	var onSnapshot func(metrics.Snapshot)
	if inst.live != nil {
		onSnapshot = inst.live.Observe
	}
	inst.reporter, err = exporters.Start(s.Registry, exporters.Config{
		Exporters: inst.exporters, Interval: s.FlushInterval, ShutdownTimeout: s.ShutdownTimeout, Logger: s.Logger,
		SpoolDir: serviceSpoolDir(s.SpoolDir, s.Service), SpoolMaxBytes: s.SpoolMaxBytes,
		OnSnapshot: onSnapshot,
	})
	if err != nil {
		return nil, fmt.Errorf("vitals: %w", err)
	}
	rep.Store(inst.reporter)
	names := slices.Sorted(maps.Keys(inst.exporters))
	inst.exporters = nil // the Reporter shuts them down now
	registerChecks(inst.Health, inst.reporter, s.Config)
	logArgs := []any{"service", s.Service, "version", s.Release, "exporters", names,
		"interval", s.FlushInterval, "health", inst.HealthAddr(), "pprof", inst.PprofAddr()}
	if inst.pprof != nil {
		line := "http://" + inst.pprof.Addr() + "/debug/pprof/"
		if s.PprofToken != "" {
			line += " (bearer token required)"
		}
		inst.Health.Register("pprof", healthcheck.Info(func() string { return line }))
		live := "http://" + inst.pprof.Addr() + "/debug/vitals/"
		inst.Health.Register("live page", healthcheck.Info(func() string { return live }))
		logArgs = append(logArgs, "live_page", live)
	}
	for _, w := range s.warnings {
		s.Logger.Warn("vitals: " + w)
	}
	s.Logger.Info("vitals: started", logArgs...)
	ok = true
	return inst, nil
}

// listen starts the pprof server and the health socket that s asks for,
// and returns what went wrong, each error naming the setting to change.
func (inst *Instance) listen(s *setup) []error {
	var problems []error
	if s.PprofAddr != Off {
		var err error
		cfg := pprofserver.Config{
			Addr: s.PprofAddr, AllowRemote: s.PprofAllowRemote, Token: s.PprofToken,
			Registry: s.Registry, Health: inst.Health.Handler(), Logger: s.Logger,
		}
		if inst.live != nil {
			cfg.Live = inst.live
		}
		inst.pprof, err = pprofserver.Start(cfg)
		if err != nil {
			problems = append(problems, listenError(s, "pprof", "Pprof", s.PprofAddr, err))
		}
	}
	if s.HealthAddr != Off {
		var err error
		inst.health, err = inst.Health.Start(healthcheck.ServerConfig{Addr: s.HealthAddr, AllowRemote: s.HealthAllowRemote})
		if err != nil {
			problems = append(problems, listenError(s, "health socket", "Health", s.HealthAddr, err))
		}
	}
	return problems
}

// listenError explains why the server named what (its Config fields
// start with field) could not listen on value, and what to set instead.
func listenError(s *setup, what, field, value string, err error) error {
	addrField := field + "Addr"
	addr := s.source(addrField)
	if !s.fromEnv[addrField] {
		addr = envVariables[addrField] + " (or Config." + addrField + ")"
	}
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("%s: %s is in use, by another process or another vitals.Start: set %s to a free address "+
			"(127.0.0.1:0 picks one) or to %q to turn it off: %w", what, value, addr, Off, err)
	case errors.Is(err, loopback.ErrNotLoopback):
		allow := field + "AllowRemote"
		return fmt.Errorf("%s: refusing %s=%q, which other hosts could reach: use a loopback address such as 127.0.0.1:0, "+
			"or set Config.%s (or Config.AllowRemoteFromEnv with %s=1): %w",
			what, s.source(addrField), value, allow, envVariables[allow], loopback.ErrNotLoopback)
	}
	return fmt.Errorf("%s (%s): %w", what, s.source(addrField), err)
}

// newExporters builds the configured exporters, or the console exporter,
// and returns the ones it could build with the problems of the others.
func newExporters(ctx context.Context, s *setup) (map[string]exporters.Exporter, []error) {
	exps := map[string]exporters.Exporter{}
	var problems []error
	if s.OpenTSDBURL != "" {
		e, err := opentsdb.New(opentsdb.Config{URL: s.OpenTSDBURL, Logger: s.Logger})
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", s.source("OpenTSDBURL"), err))
		} else {
			exps["opentsdb"] = e
		}
	}
	if s.PostgresURL != "" {
		e, err := postgres.New(ctx, postgres.Config{URL: s.PostgresURL, Logger: s.Logger})
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", s.source("PostgresURL"), err))
		} else {
			exps["postgres"] = e
		}
	}
	if s.OpenTSDBURL == "" && s.PostgresURL == "" {
		e, err := console.New(console.Config{Writer: s.Console})
		if err != nil {
			problems = append(problems, fmt.Errorf("console: %w", err))
		} else {
			exps["console"] = e
		}
	}
	return exps, problems
}

// abort undoes a Start that failed: it closes what was opened, without a
// final flush.
func (inst *Instance) abort(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), inst.shutdownTimeout)
	defer cancel()
	for _, e := range inst.exporters {
		e.Shutdown(ctx) //nolint:errcheck // Start reports the error that made it fail
	}
	inst.closeServers(ctx) //nolint:errcheck // as above
}

// Shutdown takes a final snapshot and flushes it to every exporter, then
// closes the health socket and the pprof server. It returns by ctx's
// deadline or, when ctx has none, within Config.ShutdownTimeout (5 s by
// default), so that a dead backend cannot keep the service from exiting:
// what is not delivered by then is counted as dropped, logged, and
// reported in the returned error.
func (inst *Instance) Shutdown(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, inst.shutdownTimeout)
		defer cancel()
	}
	var errs []error
	if inst.reporter != nil {
		errs = append(errs, inst.reporter.Shutdown(ctx))
	}
	return errors.Join(append(errs, inst.closeServers(ctx))...)
}

// closeServers closes the health socket and the pprof server.
func (inst *Instance) closeServers(ctx context.Context) error {
	var errs []error
	if inst.health != nil {
		errs = append(errs, inst.health.Shutdown(ctx))
	}
	if inst.pprof != nil {
		errs = append(errs, inst.pprof.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// HealthAddr is the health socket's address, or "" when it is off.
func (inst *Instance) HealthAddr() string {
	if inst.health == nil {
		return ""
	}
	return inst.health.Addr()
}

// PprofAddr is the pprof server's address, or "" when it is off.
func (inst *Instance) PprofAddr() string {
	if inst.pprof == nil {
		return ""
	}
	return inst.pprof.Addr()
}

// serviceSpoolDir returns the service's own directory under the spool
// directory dir, or "" when dir is "" (no spool): the service's name made
// one path element, so that services sharing dir never share a spool.
func serviceSpoolDir(dir, service string) string {
	if dir == "" {
		return ""
	}
	name := url.PathEscape(service)
	if name == "." || name == ".." {
		name = strings.ReplaceAll(name, ".", "%2E")
	}
	return filepath.Join(dir, name)
}
