package httpmetrics

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/vitals-go/vitals/metrics"
)

// DefaultName is the timer's name when Config.Name is empty.
const DefaultName = "http.server.duration"

// DefaultMaxRoutes is how many routes a Middleware tells apart when
// Config.MaxRoutes is 0.
const DefaultMaxRoutes = 100

// Config configures a Middleware. The zero value records http.server.duration
// in metrics.Default with at most 100 routes.
type Config struct {
	// Registry receives the timers. Defaults to metrics.Default.
	Registry *metrics.Registry

	// Name is the timers' name, such as "api.http.server.duration" for a
	// second server of the process. It follows the registry's rules for
	// names. Defaults to DefaultName.
	Name string

	// MaxRoutes bounds how many route patterns get series of their own, so
	// that a large or generated set of routes cannot exhaust the registry.
	// The first MaxRoutes patterns seen are kept; requests to any further
	// pattern are recorded with route "other", and the first of them is
	// logged. A route has one series per method and status class it serves,
	// typically two or three.
	// Defaults to DefaultMaxRoutes; it must not be negative.
	MaxRoutes int

	// Logger receives the warning that MaxRoutes was reached. Defaults to
	// slog.Default().
	Logger *slog.Logger
}

// New returns a Middleware, or an error naming every problem of cfg.
func New(cfg Config) (*Middleware, error) {
	if cfg.Registry == nil {
		cfg.Registry = metrics.Default
	}
	if cfg.Name == "" {
		cfg.Name = DefaultName
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	var problems []error
	if err := metrics.ValidateName(cfg.Name); err != nil {
		problems = append(problems, fmt.Errorf("httpmetrics: Name: %w", err))
	}
	switch {
	case cfg.MaxRoutes < 0:
		problems = append(problems, fmt.Errorf("httpmetrics: MaxRoutes is %d; it must be positive (or 0 for the default, %d)",
			cfg.MaxRoutes, DefaultMaxRoutes))
	case cfg.MaxRoutes == 0:
		cfg.MaxRoutes = DefaultMaxRoutes
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return &Middleware{
		timers: metrics.NewFamily[*metrics.Timer](cfg.Registry, cfg.Name, "method", "route", "code"),
		routes: newRouteSet(cfg.MaxRoutes, cfg.Logger),
	}, nil
}
