package metrics

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxSeries is the number of series a registry holds unless
// WithMaxSeries says otherwise.
const DefaultMaxSeries = 10000

// Registry holds series by name and tags. Get-or-register methods (Counter,
// Gauge, ...) are safe for concurrent use; looking up an existing series does
// not allocate, but handles are meant to be kept and updated directly.
//
// Error policy: the plain methods never fail and never panic. When a
// registration is refused (invalid name or tag, another kind under the same
// name and tags, or the series limit), they return a working handle that is
// not exported, count the refusal and remember it as the latest (see
// Refused), and log at most one line a minute per reason, with the number of
// refusals since the previous line and the latest one. Values that cannot be
// exported (NaN or infinite floats, negative durations) are dropped, counted
// and remembered the same way, and logged at the next snapshot: recording a
// value never logs or blocks, and allocates at most a small record when the
// value refused names another series than the latest. The methods ending in
// E return the same handle together with a *RegistrationError.
type Registry struct {
	index     *index
	now       func() time.Time
	maxSeries int
	idleAfter time.Duration
	logger    *slog.Logger
	stats     registryStats

	mu             sync.Mutex // guards the fields below and registration
	series         []*entry   // in registration order; never modified in place
	removed        int        // entries of series marked removed
	defaultTags    []Tag
	attached       []attachment
	collectors     []func() // run before each read, such as the runtime metrics
	runtimeEnabled bool

	snapMu    sync.Mutex      // serialises reads, which may end intervals; guards the fields below
	reader    *IntervalReader // the open one, or nil
	intervals uint64          // the Seq of the last interval ended
}

// entry is one registered series.
type entry struct {
	name    string
	tags    []Tag
	kind    Kind
	schema  *schema // its keys in the index, set by index.insert
	metric  any     // *Counter, *Gauge, *GaugeFloat64, *FunctionalGauge, *FunctionalGaugeFloat64, *Meter, *Histogram or *Timer
	removed atomic.Bool

	// Idle tracking, only touched by reads under snapMu.
	lastCount  int64
	lastActive time.Time
}

// Option configures a Registry.
type Option interface{ apply(*Registry) }

type optionFunc func(*Registry)

func (f optionFunc) apply(r *Registry) { f(r) }

// WithMaxSeries sets how many series the registry holds; beyond it new series
// are refused with ErrTooManySeries. Defaults to DefaultMaxSeries. n <= 0
// keeps the default.
func WithMaxSeries(n int) Option {
	return optionFunc(func(r *Registry) {
		if n > 0 {
			r.maxSeries = n
		}
	})
}

// WithIdleExpiry stops exporting a series that nobody updated for d. Its
// handle keeps working, and the series is exported again as soon as it is
// updated. Functional gauges are never idle. Defaults to off (0).
func WithIdleExpiry(d time.Duration) Option {
	return optionFunc(func(r *Registry) { r.idleAfter = d })
}

// WithLogger sets where refusals and failing functional gauges are logged.
// Defaults to slog.Default().
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(r *Registry) {
		if l != nil {
			r.logger = l
		}
	})
}

// NewRegistry returns an empty registry.
func NewRegistry(opts ...Option) *Registry {
	r := &Registry{
		index:     newIndex(),
		now:       time.Now,
		maxSeries: DefaultMaxSeries,
		logger:    slog.Default(),
	}
	for _, o := range opts {
		o.apply(r)
	}
	return r
}

// Len returns the number of registered series.
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.series) - r.removed
}

// SetDefaultTags sets the tags that exporters add to every series (typically
// host, service and version). They are not stored per series; a series' own
// tag of the same key wins. Invalid tags are refused as a whole.
func (r *Registry) SetDefaultTags(tags Tags) error {
	sorted := sortedTags(tags)
	if err := validate("default", sorted); err != nil {
		return fmt.Errorf("metrics: default tags: %w: %s", ErrInvalid, err)
	}
	r.mu.Lock()
	r.defaultTags = sorted
	r.mu.Unlock()
	return nil
}

// get returns the series' metric, registering newMetric() when it is new.
// On refusal it returns a detached metric from newMetric and the error.
func (r *Registry) get(kind Kind, name string, tags Tags, newMetric func() any) (any, error) {
	if e := r.index.lookup(name, tags); e != nil {
		if e.kind != kind {
			return r.refused(kind, name, tags, newMetric, ErrKindConflict, "it is a "+e.kind.String())
		}
		return e.metric, nil
	}
	return r.register(kind, name, tags, newMetric)
}

// getAs is get for one handle type M (*Counter, ...). Kinds that share a
// Kind but not a type (Gauge and FunctionalGauge) conflict here.
func getAs[M any](r *Registry, kind Kind, name string, tags Tags, newMetric func() M) (M, error) {
	newAny := func() any { return newMetric() }
	m, err := r.get(kind, name, tags, newAny)
	if typed, ok := m.(M); ok {
		return typed, err
	}
	m, err = r.refused(kind, name, tags, newAny, ErrKindConflict, fmt.Sprintf("it is a %T", m))
	return m.(M), err
}

// register is the slow path of get: validate, check the limit, insert.
func (r *Registry) register(kind Kind, name string, tags Tags, newMetric func() any) (any, error) {
	sorted := sortedTags(tags)
	if err := validate(name, sorted); err != nil {
		return r.refused(kind, name, tags, newMetric, ErrInvalid, err.Error())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.index.lookup(name, tags); e != nil { // registered while we validated
		if e.kind != kind {
			return r.refused(kind, name, tags, newMetric, ErrKindConflict, "it is a "+e.kind.String())
		}
		return e.metric, nil
	}
	if len(r.series)-r.removed >= r.maxSeries {
		return r.refused(kind, name, tags, newMetric, ErrTooManySeries,
			fmt.Sprintf("the registry holds %d series; raise it with WithMaxSeries", r.maxSeries))
	}
	e := &entry{name: name, tags: sorted, kind: kind, metric: newMetric(), lastActive: r.now()}
	if b, ok := e.metric.(bindable); ok {
		b.bind(e)
	}
	r.index.insert(e)
	r.series = append(r.series, e)
	return e.metric, nil
}

// refused counts and logs a refused registration (see refuse) and returns a
// detached handle from newMetric with the error.
func (r *Registry) refused(kind Kind, name string, tags Tags, newMetric func() any, reason error, detail string) (any, error) {
	err := r.refuse(kind, name, tags, reason, detail)
	return detach(newMetric(), err), err
}

// detach gives a handle refused by err a series of its own, outside the
// registry, under which the values it refuses are named.
func detach[M any](m M, err *RegistrationError) M {
	if b, ok := any(m).(bindable); ok {
		b.bind(&entry{name: err.Name, tags: err.Tags, kind: err.Kind})
	}
	return m
}

// refuse counts a refused registration, remembers it as the latest, logs it
// if its reason is due (see logRefusals), and returns its error.
func (r *Registry) refuse(kind Kind, name string, tags Tags, reason error, detail string) *RegistrationError {
	err := &RegistrationError{Name: name, Tags: sortedTags(tags), Kind: kind, Err: reason, Detail: detail}
	why := reasonOverLimit
	switch {
	case errors.Is(reason, ErrInvalid):
		why = reasonInvalid
	case errors.Is(reason, ErrKindConflict):
		why = reasonKindConflict
	}
	r.stats.counts[why].Add(1)
	now := r.now()
	r.stats.note(why, &refusal{kind: kind, name: name, tags: err.Tags, why: reason.Error() + ": " + detail}, now)
	r.logRefusals(now)
	return err
}

// Unregister removes the series with this name and tags, of any kind. Its
// handles keep working but are no longer exported; registering the same name
// and tags again creates a new series.
func (r *Registry) Unregister(name string, tags Tags) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.index.lookup(name, tags)
	if e == nil {
		return
	}
	e.removed.Store(true)
	r.index.remove(e)
	r.removed++
	r.compactLocked()
}

// compactLocked drops removed entries from the registration order once they
// are a quarter of it. It builds a new slice, because snapshots may be
// iterating the old one.
func (r *Registry) compactLocked() {
	if r.removed*4 < len(r.series) {
		return
	}
	kept := make([]*entry, 0, len(r.series)-r.removed)
	for _, e := range r.series {
		if !e.removed.Load() {
			kept = append(kept, e)
		}
	}
	r.series, r.removed = kept, 0
}
