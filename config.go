package vitals

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/healthcheck"
	"github.com/vitals-go/vitals/livepage"
	"github.com/vitals-go/vitals/metrics"
	"github.com/vitals-go/vitals/pprofserver"
)

// Off, as an address, disables the health socket or the pprof server.
const Off = "off"

// Config configures Start.
//
// Precedence: a field set in code wins. A zero field is taken from the
// environment variable named beside it, then from the default, so that the
// same binary runs anywhere. The two settings that open a port to other
// hosts are the exception: VITALS_HEALTH_ALLOW_REMOTE=1 and
// VITALS_PPROF_ALLOW_REMOTE=1 take effect only when the program set
// AllowRemoteFromEnv; otherwise they are ignored, with a warning, and the
// environment can only narrow what the code allowed (=0 turns an allowance
// off).
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
	// HealthAllowRemote allows a non-loopback HealthAddr.
	// VITALS_HEALTH_ALLOW_REMOTE=1 sets it only with AllowRemoteFromEnv.
	HealthAllowRemote bool
	// PprofAddr is the address of the pprof HTTP server. Defaults to
	// 127.0.0.1:6060; Off disables it (VITALS_PPROF_ADDR). A non-loopback
	// address needs PprofAllowRemote.
	PprofAddr string
	// PprofAllowRemote allows a non-loopback PprofAddr.
	// VITALS_PPROF_ALLOW_REMOTE=1 sets it only with AllowRemoteFromEnv.
	PprofAllowRemote bool
	// AllowRemoteFromEnv lets VITALS_HEALTH_ALLOW_REMOTE=1 and
	// VITALS_PPROF_ALLOW_REMOTE=1 open the health socket and the pprof
	// server to other hosts, for programs configured wholly by their
	// environment. Without it, only code can open them.
	AllowRemoteFromEnv bool
	// PprofToken, if set, is a bearer token that every request to the
	// pprof server must carry, on loopback too: "Authorization: Bearer
	// <token>"; others get 401 (VITALS_PPROF_TOKEN). It is never logged.
	// Recommended with PprofAllowRemote. A browser without the header gets
	// a login form at the same URL (see pprofserver.Config.Token).
	PprofToken string
	// FlushInterval is how often metrics are exported, aligned to the wall
	// clock. Defaults to 10 s (VITALS_FLUSH_INTERVAL, e.g. "10s").
	FlushInterval time.Duration
	// LiveWindow is how much history the live page keeps and charts: the
	// page of every series at /debug/vitals/ on the pprof server, served
	// whenever the pprof server is on, behind PprofToken when one is set.
	// Defaults to an hour (VITALS_LIVE_WINDOW, e.g. "30m"), at least two
	// FlushIntervals (a shorter one is raised to that). The page holds
	// at most 720 snapshots, so a FlushInterval shorter than LiveWindow/720
	// shortens it. See livepage for what it shows and what it costs: about
	// 3.7 MiB for an hour of 1,000 series at 10 s.
	LiveWindow time.Duration
	// SpoolDir, if set, turns on the disk spool: what an exporter's memory
	// queue cannot hold during an outage, and what Shutdown could not
	// deliver, is written under SpoolDir/<Service>/<exporter>/ and replayed
	// oldest first when the backend recovers, by this process or the next
	// one of the same service on this host (VITALS_SPOOL_DIR). Off by
	// default. One process at a time uses a service's directory; a second
	// one runs without a spool and says so in its log and health report
	// until the directory is free: it tries again every minute and, once
	// the first has exited, spools and replays its backlog.
	// See exporters.Config.SpoolDir.
	SpoolDir string
	// SpoolMaxBytes caps each exporter's spool; past it the oldest spooled
	// snapshots are dropped and counted. Defaults to 1 GiB, at least 1 MiB
	// (VITALS_SPOOL_MAX_BYTES, in bytes, e.g. 268435456).
	SpoolMaxBytes int64
	// ShutdownTimeout bounds Instance.Shutdown when its context has no
	// deadline: the final flush gets this long, then what is undelivered
	// is counted as dropped and logged (or spooled, with SpoolDir). Defaults to 5 s
	// (VITALS_SHUTDOWN_TIMEOUT).
	ShutdownTimeout time.Duration
	// OpenTSDBURL, if set, exports to OpenTSDB: http://host:port or
	// tcp://host:port (VITALS_OPENTSDB_URL).
	OpenTSDBURL string
	// PostgresURL, if set, exports to a PostgreSQL metrics table
	// (VITALS_POSTGRES_URL).
	PostgresURL string
	// Console receives the metrics as text when neither OpenTSDBURL nor
	// PostgresURL is set. Defaults to os.Stdout.
	Console io.Writer
	// Registry is what gets exported. Defaults to metrics.Default.
	Registry *metrics.Registry
	// Logger receives background errors. Defaults to slog.Default().
	Logger *slog.Logger
}

// envVariables are the environment variables Start reads, by the Config
// field each one fills.
var envVariables = map[string]string{
	"Service":           "VITALS_SERVICE",
	"Release":           "VITALS_RELEASE",
	"HealthAddr":        "VITALS_HEALTH_ADDR",
	"HealthAllowRemote": "VITALS_HEALTH_ALLOW_REMOTE",
	"PprofAddr":         "VITALS_PPROF_ADDR",
	"PprofAllowRemote":  "VITALS_PPROF_ALLOW_REMOTE",
	"PprofToken":        "VITALS_PPROF_TOKEN",
	"FlushInterval":     "VITALS_FLUSH_INTERVAL",
	"LiveWindow":        "VITALS_LIVE_WINDOW",
	"ShutdownTimeout":   "VITALS_SHUTDOWN_TIMEOUT",
	"SpoolDir":          "VITALS_SPOOL_DIR",
	"SpoolMaxBytes":     "VITALS_SPOOL_MAX_BYTES",
	"OpenTSDBURL":       "VITALS_OPENTSDB_URL",
	"PostgresURL":       "VITALS_POSTGRES_URL",
}

// setup is a Config with the environment and the defaults applied, and
// where each setting came from, so that errors name what the user set.
type setup struct {
	Config
	fromEnv  map[string]bool // Config fields taken from their variable
	warnings []string        // variables ignored, logged by Start
}

// source names where field's value came from: its environment variable or
// the Config field.
func (s *setup) source(field string) string {
	if s.fromEnv[field] {
		return envVariables[field]
	}
	return "Config." + field
}

// resolve applies the environment and the defaults to cfg. Every problem
// is in the returned error.
func resolve(cfg Config) (*setup, error) {
	s := &setup{Config: cfg, fromEnv: map[string]bool{}}
	var errs []error
	str := func(field *string, name string) {
		if *field == "" {
			if v := strings.TrimSpace(os.Getenv(envVariables[name])); v != "" {
				*field, s.fromEnv[name] = v, true
			}
		}
	}
	str(&s.Service, "Service")
	str(&s.Release, "Release")
	str(&s.HealthAddr, "HealthAddr")
	str(&s.PprofAddr, "PprofAddr")
	str(&s.PprofToken, "PprofToken")
	str(&s.OpenTSDBURL, "OpenTSDBURL")
	str(&s.PostgresURL, "PostgresURL")
	str(&s.SpoolDir, "SpoolDir")

	allowRemote := func(field *bool, name string) {
		v := strings.TrimSpace(os.Getenv(envVariables[name]))
		if v == "" {
			return
		}
		allow, err := strconv.ParseBool(v)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s=%q: want 1 or 0", envVariables[name], v))
		case !allow: // narrowing is always allowed
			*field = false
		case *field: // the code allowed it already
		case s.AllowRemoteFromEnv:
			*field, s.fromEnv[name] = true, true
		default:
			s.warnings = append(s.warnings, fmt.Sprintf("%s=1 is ignored: only code may open a port to other hosts "+
				"(set Config.%s, or Config.AllowRemoteFromEnv to let the environment do it)", envVariables[name], name))
		}
	}
	allowRemote(&s.HealthAllowRemote, "HealthAllowRemote")
	allowRemote(&s.PprofAllowRemote, "PprofAllowRemote")

	duration := func(field *time.Duration, name string) {
		if *field != 0 {
			if *field < 0 {
				errs = append(errs, fmt.Errorf("Config.%s is %v; it must be positive", name, *field))
			}
			return
		}
		v := strings.TrimSpace(os.Getenv(envVariables[name]))
		if v == "" {
			return
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a positive duration such as 10s", envVariables[name], v))
			return
		}
		*field, s.fromEnv[name] = d, true
	}
	duration(&s.FlushInterval, "FlushInterval")
	duration(&s.ShutdownTimeout, "ShutdownTimeout")
	duration(&s.LiveWindow, "LiveWindow")

	switch v := strings.TrimSpace(os.Getenv(envVariables["SpoolMaxBytes"])); {
	case s.SpoolMaxBytes < 0:
		errs = append(errs, fmt.Errorf("Config.SpoolMaxBytes is %d; it must be positive", s.SpoolMaxBytes))
	case s.SpoolMaxBytes == 0 && v != "":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a positive number of bytes such as 268435456", envVariables["SpoolMaxBytes"], v))
			break
		}
		s.SpoolMaxBytes, s.fromEnv["SpoolMaxBytes"] = n, true
	}
	if s.SpoolMaxBytes > 0 && s.SpoolMaxBytes < exporters.MinSpoolMaxBytes {
		errs = append(errs, fmt.Errorf("%s is %d; it must be at least %d (1 MiB)", s.source("SpoolMaxBytes"), s.SpoolMaxBytes, exporters.MinSpoolMaxBytes))
	}

	s.HealthAddr = cmp.Or(s.HealthAddr, healthcheck.DefaultAddr)
	s.PprofAddr = cmp.Or(s.PprofAddr, pprofserver.DefaultAddr)
	s.FlushInterval = cmp.Or(s.FlushInterval, exporters.DefaultInterval)
	s.ShutdownTimeout = cmp.Or(s.ShutdownTimeout, exporters.DefaultShutdownTimeout)
	s.LiveWindow = cmp.Or(s.LiveWindow, livepage.DefaultWindow)
	s.Release = cmp.Or(s.Release, buildRevision())
	s.Registry = cmp.Or(s.Registry, metrics.Default)
	s.Logger = cmp.Or(s.Logger, slog.Default())
	s.Console = cmp.Or[io.Writer](s.Console, os.Stdout)
	if s.Service == "" {
		errs = append(errs, errors.New("Service is required (Config.Service or VITALS_SERVICE)"))
	}
	return s, errors.Join(errs...)
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
