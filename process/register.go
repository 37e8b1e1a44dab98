package process

import (
	"errors"
	"log/slog"
	"math"
	"sync/atomic"

	"github.com/vitals-go/vitals/metrics"
)

// Option configures Register.
type Option interface{ apply(*config) }

type config struct {
	logger *slog.Logger
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithLogger sets where Register logs the series it leaves out and the first
// read error of each series. Defaults to slog.Default(). A nil logger keeps
// the default.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) {
		if l != nil {
			c.logger = l
		}
	})
}

// source is one series and how to read its value from the operating system.
type source struct {
	name string
	read func() (float64, error)
}

// Register registers on reg the process series this operating system
// provides (see the package documentation), as functional gauges read at
// every snapshot, and the counter process.read.errors. A series whose source
// cannot be read now is left out, and logged. Calling Register again for the
// same registry does nothing more.
//
// It returns an error when reg is nil or when reg refuses a series (a name
// already registered as another kind, or the series limit); the other series
// are registered all the same. Reading never fails a snapshot: a series that
// cannot be read is not exported that time, the failure is counted in
// process.read.errors, and the first failure of each series is logged.
func Register(reg *metrics.Registry, opts ...Option) error {
	if reg == nil {
		return errors.New("process: Register needs a registry, got nil")
	}
	c := config{logger: slog.Default()}
	for _, o := range opts {
		o.apply(&c)
	}
	var available []source
	for _, s := range sources() {
		if _, err := s.read(); err != nil {
			c.logger.Warn("process: series left out: its source cannot be read", "name", s.name, "error", err)
			continue
		}
		available = append(available, s)
	}
	if len(available) == 0 {
		return nil
	}
	readErrors, err := reg.CounterE("process.read.errors", nil)
	errs := []error{err}
	for _, s := range available {
		g := &gauge{source: s, logger: c.logger, errors: readErrors}
		_, err := reg.FunctionalGaugeFloat64E(s.name, nil, g.value)
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// gauge reads one source for a functional gauge.
type gauge struct {
	source
	logger *slog.Logger
	errors *metrics.Counter
	logged atomic.Bool
}

// value returns the source's value, or NaN, which the snapshot leaves out,
// when it cannot be read.
func (g *gauge) value() float64 {
	v, err := g.read()
	if err == nil {
		return v
	}
	g.errors.Inc(1)
	if g.logged.CompareAndSwap(false, true) {
		g.logger.Warn("process: cannot read a series; it is not exported while this lasts (further failures are only counted in process.read.errors)",
			"name", g.name, "error", err)
	}
	return math.NaN()
}
