// Package vitals is the one-call setup of the vitals SDK: tagged metrics
// exported to OpenTSDB or PostgreSQL (or stdout), a health socket for
// `nc host 10001`, and a pprof port, from three lines in main():
//
//	inst, err := vitals.Start(ctx, vitals.Config{Service: "alerts"})
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer inst.Shutdown(context.Background())
//
// Metrics are registered in metrics.Default (see package metrics); every
// series gets the tags host, service and version when exported.
package vitals

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/console"
	"github.com/vitals-go/vitals/exporters/opentsdb"
	"github.com/vitals-go/vitals/exporters/postgres"
	"github.com/vitals-go/vitals/healthcheck"
	"github.com/vitals-go/vitals/metrics"
	"github.com/vitals-go/vitals/pprofserver"
)

// Off, as an address, disables the health socket or the pprof server.
const Off = "off"

// Config configures Start. Each zero field is taken from the environment
// variable named beside it, then from the default.
type Config struct {
	// Service names the service in the health report and in the service
	// tag. Required (VITALS_SERVICE).
	Service string
	// Release is the version tag and the revision in the health report.
	// Defaults to the VCS revision in the build info (VITALS_RELEASE).
	Release string
	// HealthAddr is the TCP address of the health socket. Defaults to
	// 127.0.0.1:10001; Off disables it (VITALS_HEALTH_ADDR). A non-loopback
	// address, such as ":10001" for `nc host 10001` from another machine,
	// needs HealthAllowRemote.
	HealthAddr string
	// HealthAllowRemote allows a non-loopback HealthAddr
	// (VITALS_HEALTH_ALLOW_REMOTE=1).
	HealthAllowRemote bool
	// PprofAddr is the address of the pprof HTTP server. Defaults to
	// 127.0.0.1:6060; Off disables it (VITALS_PPROF_ADDR). A non-loopback
	// address needs PprofAllowRemote.
	PprofAddr string
	// PprofAllowRemote allows a non-loopback PprofAddr
	// (VITALS_PPROF_ALLOW_REMOTE=1).
	PprofAllowRemote bool
	// PprofToken, if set, is a bearer token that every request to the
	// pprof server must carry, on loopback too: "Authorization: Bearer
	// <token>"; others get 401 (VITALS_PPROF_TOKEN). It is never logged.
	// Recommended with PprofAllowRemote. See pprofserver.Config.Token.
	PprofToken string
	// FlushInterval is how often metrics are exported, aligned to the wall
	// clock. Defaults to 10 s (VITALS_FLUSH_INTERVAL, e.g. "10s").
	FlushInterval time.Duration
	// OpenTSDBURL, if set, exports to OpenTSDB: http://host:port or
	// tcp://host:port (VITALS_OPENTSDB_URL).
	OpenTSDBURL string
	// PostgresURL, if set, exports to a PostgreSQL metrics table
	// (VITALS_POSTGRES_URL).
	PostgresURL string
	// Console receives OpenTSDB put lines when neither OpenTSDBURL nor
	// PostgresURL is set. Defaults to os.Stdout.
	Console io.Writer
	// Registry is what gets exported. Defaults to metrics.Default.
	Registry *metrics.Registry
	// Logger receives background errors. Defaults to slog.Default().
	Logger *slog.Logger
}

// Instance is what Start set up. Shutdown stops it.
type Instance struct {
	// Health is the health report; register checks on it.
	Health *healthcheck.Health

	reporter *exporters.Reporter
	health   *healthcheck.Server
	pprof    *pprofserver.Server
}

// fromEnv fills the zero fields of cfg from the environment.
func (cfg Config) fromEnv() (Config, error) {
	env := func(field *string, name string) {
		if *field == "" {
			*field = strings.TrimSpace(os.Getenv(name))
		}
	}
	env(&cfg.Service, "VITALS_SERVICE")
	env(&cfg.Release, "VITALS_RELEASE")
	env(&cfg.HealthAddr, "VITALS_HEALTH_ADDR")
	env(&cfg.PprofAddr, "VITALS_PPROF_ADDR")
	env(&cfg.PprofToken, "VITALS_PPROF_TOKEN")
	env(&cfg.OpenTSDBURL, "VITALS_OPENTSDB_URL")
	env(&cfg.PostgresURL, "VITALS_POSTGRES_URL")
	var errs []error
	envBool := func(field *bool, name string) {
		if v := os.Getenv(name); v != "" && !*field {
			allow, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: want 1 or 0", name, v))
			}
			*field = allow
		}
	}
	envBool(&cfg.HealthAllowRemote, "VITALS_HEALTH_ALLOW_REMOTE")
	envBool(&cfg.PprofAllowRemote, "VITALS_PPROF_ALLOW_REMOTE")
	if cfg.FlushInterval == 0 {
		if v := os.Getenv("VITALS_FLUSH_INTERVAL"); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("VITALS_FLUSH_INTERVAL=%q: want a positive duration such as 10s", v))
			}
			cfg.FlushInterval = d
		}
	}
	cfg.HealthAddr = cmp.Or(cfg.HealthAddr, "127.0.0.1:10001")
	cfg.PprofAddr = cmp.Or(cfg.PprofAddr, "127.0.0.1:6060")
	cfg.FlushInterval = cmp.Or(cfg.FlushInterval, 10*time.Second)
	cfg.Release = cmp.Or(cfg.Release, buildRevision())
	cfg.Registry = cmp.Or(cfg.Registry, metrics.Default)
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	cfg.Console = cmp.Or[io.Writer](cfg.Console, os.Stdout)
	if cfg.Service == "" {
		errs = append(errs, errors.New("Service is required (or VITALS_SERVICE)"))
	}
	if cfg.FlushInterval < 0 {
		errs = append(errs, fmt.Errorf("FlushInterval %v is negative", cfg.FlushInterval))
	}
	return cfg, errors.Join(errs...)
}

// buildRevision is the VCS revision the binary was built from, or "unknown".
func buildRevision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	revision, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if revision == "" {
		return cmp.Or(strings.TrimPrefix(info.Main.Version, "(devel)"), "unknown")
	}
	if len(revision) > 12 {
		revision = revision[:12]
	}
	if dirty {
		revision += "-dirty"
	}
	return revision
}

// Start sets up everything cfg asks for: the registry's default tags (host,
// service, version), the exporters and their Reporter, the health socket
// and the pprof server. Invalid configuration is one error listing every
// problem, and nothing is left running.
func Start(ctx context.Context, cfg Config) (*Instance, error) {
	cfg, err := cfg.fromEnv()
	if err != nil {
		return nil, fmt.Errorf("vitals: invalid configuration: %w", err)
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	if err := cfg.Registry.SetDefaultTags(metrics.Tags{"host": host, "service": cfg.Service, "version": cfg.Release}); err != nil {
		return nil, fmt.Errorf("vitals: %w", err)
	}
	inst := &Instance{}
	ok := false
	defer func() {
		if !ok {
			inst.Shutdown(context.Background()) //nolint:errcheck // reporting the setup error instead
		}
	}()

	exps, err := newExporters(ctx, cfg)
	if err != nil {
		return nil, err
	}
	inst.reporter, err = exporters.Start(cfg.Registry, exporters.Config{
		Exporters: exps, Interval: cfg.FlushInterval, Logger: cfg.Logger,
	})
	if err != nil {
		for _, e := range exps {
			e.Shutdown(ctx) //nolint:errcheck // already failing
		}
		return nil, fmt.Errorf("vitals: %w", err)
	}

	inst.Health, err = healthcheck.New(healthcheck.Config{Service: cfg.Service, Release: cfg.Release, Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("vitals: %w", err)
	}
	registerChecks(inst.Health, inst.reporter, cfg)

	if cfg.PprofAddr != Off {
		inst.pprof, err = pprofserver.Start(pprofserver.Config{
			Addr: cfg.PprofAddr, AllowRemote: cfg.PprofAllowRemote, Token: cfg.PprofToken,
			Registry: cfg.Registry, Health: inst.Health.Handler(), Logger: cfg.Logger,
		})
		if err != nil {
			return nil, fmt.Errorf("vitals: pprof: %w", err)
		}
		line := "http://" + inst.pprof.Addr() + "/debug/pprof/"
		if cfg.PprofToken != "" {
			line += " (bearer token required)"
		}
		inst.Health.Register("pprof", healthcheck.Info(func() string { return line }))
	}
	if cfg.HealthAddr != Off {
		inst.health, err = inst.Health.Serve(healthcheck.ServerConfig{Addr: cfg.HealthAddr, AllowRemote: cfg.HealthAllowRemote})
		if err != nil {
			return nil, fmt.Errorf("vitals: health socket: %w", err)
		}
	}
	names := make([]string, 0, len(exps))
	for name := range exps {
		names = append(names, name)
	}
	slices.Sort(names)
	cfg.Logger.Info("vitals: started", "service", cfg.Service, "version", cfg.Release,
		"exporters", names, "interval", cfg.FlushInterval, "health", inst.HealthAddr(), "pprof", inst.PprofAddr())
	ok = true
	return inst, nil
}

// newExporters builds the configured exporters, or the console exporter.
func newExporters(ctx context.Context, cfg Config) (map[string]exporters.Exporter, error) {
	exps := map[string]exporters.Exporter{}
	if cfg.OpenTSDBURL != "" {
		e, err := opentsdb.New(opentsdb.Config{URL: cfg.OpenTSDBURL, Logger: cfg.Logger})
		if err != nil {
			return nil, fmt.Errorf("vitals: OpenTSDB: %w", err)
		}
		exps["opentsdb"] = e
	}
	if cfg.PostgresURL != "" {
		e, err := postgres.New(ctx, postgres.Config{URL: cfg.PostgresURL, Logger: cfg.Logger})
		if err != nil {
			for _, other := range exps {
				other.Shutdown(ctx) //nolint:errcheck // already failing
			}
			return nil, fmt.Errorf("vitals: PostgreSQL: %w", err)
		}
		exps["postgres"] = e
	}
	if len(exps) == 0 {
		e, err := console.New(console.Config{Writer: cfg.Console})
		if err != nil {
			return nil, fmt.Errorf("vitals: console: %w", err)
		}
		exps["console"] = e
	}
	return exps, nil
}

// Shutdown takes a final snapshot and flushes it to every exporter until ctx
// ends, then closes the health socket and the pprof server.
func (i *Instance) Shutdown(ctx context.Context) error {
	var errs []error
	if i.reporter != nil {
		errs = append(errs, i.reporter.Shutdown(ctx))
	}
	if i.health != nil {
		errs = append(errs, i.health.Close())
	}
	if i.pprof != nil {
		errs = append(errs, i.pprof.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// HealthAddr is the health socket's address, or "" when it is off.
func (i *Instance) HealthAddr() string {
	if i.health == nil {
		return ""
	}
	return i.health.Addr().String()
}

// PprofAddr is the pprof server's address, or "" when it is off.
func (i *Instance) PprofAddr() string {
	if i.pprof == nil {
		return ""
	}
	return i.pprof.Addr()
}
