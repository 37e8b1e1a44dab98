package healthcheck

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// processStart approximates when the process started: package variables
// are initialized before main runs.
var processStart = time.Now()

// Health holds the checks of a service and builds its reports: as text for
// the health socket (Start), as JSON (Handler), or as a Report value. Its
// methods are safe for concurrent use.
type Health struct {
	header       string // the first line of every report
	checkTimeout time.Duration
	cacheFor     time.Duration // <= 0: no cache
	logger       *slog.Logger

	mu      sync.Mutex
	checks  []*entry  // in registration order; replaced, never modified in place
	gen     uint64    // counts changes to checks, so a report that predates one is not cached
	cached  *Report   // the last report, nil when none may be reused
	builtAt time.Time // when cached was built
	flight  *flight   // the report being built, nil when none
}

// entry is one registered check.
type entry struct {
	name  string // sanitized
	check Check

	// running holds when the check's current call started, nil when it is
	// not running. A check that overran its timeout is not called again
	// until it returns, so a stuck check costs one goroutine, not one per
	// report.
	running     atomic.Pointer[time.Time]
	loggedPanic atomic.Bool
}

// flight is a report being built; done is closed when report is set.
type flight struct {
	done   chan struct{}
	report Report
}

// Register adds a check under name, or replaces the check of that name,
// which keeps its place. Checks are reported in the order they were first
// registered. The name is sanitized like a check's value (see Result), and
// names are compared after that. A nil check removes the check of that
// name. The next report runs the new set of checks; one that is already
// being built may not.
func (h *Health) Register(name string, check Check) {
	name = sanitize(name, maxField)
	h.mu.Lock()
	defer h.mu.Unlock()
	i := slices.IndexFunc(h.checks, func(e *entry) bool { return e.name == name })
	switch {
	case check == nil && i < 0:
		return
	case check == nil:
		h.checks = slices.Delete(slices.Clone(h.checks), i, i+1)
	case i < 0:
		h.checks = append(slices.Clip(h.checks), &entry{name: name, check: check})
	default:
		checks := slices.Clone(h.checks)
		checks[i] = &entry{name: name, check: check}
		h.checks = checks
	}
	h.gen++
	h.cached = nil
}

// Report returns the state of every check. It runs the checks
// concurrently, each bounded by Config.CheckTimeout, unless a report built
// less than Config.CacheFor ago can be reused or one is being built now, in
// which case it returns that one: however many goroutines call Report at
// once, the checks run once.
//
// A report is built in the background, for every caller at once: the
// checks get a context that carries ctx's values but not its cancellation.
// If ctx ends before the report is ready, Report returns at once a Critical
// report whose one line, "report", gives the reason; the report is still
// built and cached for the next caller.
func (h *Health) Report(ctx context.Context) Report {
	h.mu.Lock()
	if h.cached != nil && time.Since(h.builtAt) < h.cacheFor {
		r := h.cached.clone()
		h.mu.Unlock()
		return r
	}
	f := h.flight
	if f == nil {
		f = &flight{done: make(chan struct{})}
		h.flight = f
		go h.fly(context.WithoutCancel(ctx), f, h.checks, h.gen)
	}
	h.mu.Unlock()

	select {
	case <-f.done:
		return f.report.clone()
	case <-ctx.Done():
		return h.newReport([]CheckResult{{
			Name:   "report",
			Status: Critical,
			Value:  sanitize("not finished: "+context.Cause(ctx).Error(), maxField),
		}})
	}
}

// fly builds the report of f, publishes it and caches it, unless the
// checks changed meanwhile.
func (h *Health) fly(ctx context.Context, f *flight, checks []*entry, gen uint64) {
	r := h.newReport(h.run(ctx, checks))
	h.mu.Lock()
	f.report = r
	h.flight = nil
	if h.cacheFor > 0 && gen == h.gen {
		h.cached, h.builtAt = &r, time.Now()
	}
	h.mu.Unlock()
	close(f.done)
}

// newReport returns a report of these results, taken now.
func (h *Health) newReport(results []CheckResult) Report {
	now := time.Now()
	r := Report{
		Header: h.header,
		Status: Good,
		Uptime: max(now.Sub(processStart), 0),
		PID:    os.Getpid(),
		Time:   now.Round(0), // without the monotonic reading
		Checks: results,
	}
	for _, c := range results {
		r.Status = max(r.Status, c.Status)
	}
	return r
}
