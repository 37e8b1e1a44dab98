package healthcheck

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"
)

// Config configures a Health. Service is required; every other field has a
// default, selected by its zero value.
type Config struct {
	// Service names the program on the first line of the report, such as
	// "alerts". Required.
	Service string

	// Release is the version on the first line of the report, such as
	// "v42". Defaults to the VCS revision the binary was built from (the
	// first 12 characters, "+dirty" if the tree was modified), else the
	// main module's version, else "unknown".
	Release string

	// CheckTimeout bounds each check of a report. A check still running at
	// the timeout is reported as Critical ("timed out after 1s") and
	// abandoned; see Check. Defaults to 1 s.
	CheckTimeout time.Duration

	// CacheFor is how long a report is reused, so that a burst of readers
	// runs the checks once rather than once each. Readers that arrive while
	// a report is being built wait for it, cache or not. Defaults to
	// 250 ms; a negative value turns the cache off.
	CacheFor time.Duration

	// Logger receives what goes wrong in the background: a check's first
	// panic, with its stack; connections the server cannot accept; and, at
	// debug level, reports it could not write to a client. Defaults to
	// slog.Default().
	Logger *slog.Logger
}

// The defaults documented on Config.
const (
	defaultCheckTimeout = time.Second
	defaultCacheFor     = 250 * time.Millisecond
)

// New returns a Health with no checks, or an error naming every problem of
// cfg. It reads the build information and the machine's os-release file
// once, for the first line of every report.
func New(cfg Config) (*Health, error) {
	var problems []string
	service := sanitize(cfg.Service, maxField)
	if service == "" {
		problems = append(problems, "Service is required")
	}
	if cfg.CheckTimeout < 0 {
		problems = append(problems, fmt.Sprintf("CheckTimeout is %v; it must be positive (or 0 for the default, %v)",
			cfg.CheckTimeout, defaultCheckTimeout))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("healthcheck: invalid Config: %s", strings.Join(problems, "; "))
	}

	h := &Health{
		checkTimeout: cfg.CheckTimeout,
		cacheFor:     cfg.CacheFor,
		logger:       cfg.Logger,
	}
	if h.checkTimeout == 0 {
		h.checkTimeout = defaultCheckTimeout
	}
	if h.cacheFor == 0 {
		h.cacheFor = defaultCacheFor
	}
	if h.logger == nil {
		h.logger = slog.Default()
	}
	bi, _ := debug.ReadBuildInfo()
	h.header = buildHeader(service, cfg.Release, BuildHost, bi, osPrettyName())
	return h, nil
}
