package httpmetrics

import (
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
)

// routeSet admits the first limit route patterns it sees and labels every
// other one "other". Looking up an admitted pattern takes one atomic load
// and a map read: no lock, no allocation.
type routeSet struct {
	limit  int
	logger *slog.Logger
	known  atomic.Pointer[map[string]struct{}] // replaced, never modified
	mu     sync.Mutex                          // serialises admissions
	warned atomic.Bool                         // the overflow was logged
}

func newRouteSet(limit int, logger *slog.Logger) *routeSet {
	s := &routeSet{limit: limit, logger: logger}
	s.known.Store(&map[string]struct{}{})
	return s
}

// label returns the route label of pattern: the pattern itself once
// admitted, "unmatched" for the empty pattern, "other" past the bound.
func (s *routeSet) label(pattern string) string {
	if pattern == "" {
		return unmatchedRoute
	}
	known := *s.known.Load()
	if _, ok := known[pattern]; ok {
		return pattern
	}
	if len(known) >= s.limit {
		s.overflow(pattern)
		return otherRoute
	}
	return s.admit(pattern)
}

// admit adds pattern to the set if there is still room.
func (s *routeSet) admit(pattern string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	known := *s.known.Load()
	if _, ok := known[pattern]; ok { // admitted while we waited
		return pattern
	}
	if len(known) >= s.limit {
		s.overflow(pattern)
		return otherRoute
	}
	grown := make(map[string]struct{}, len(known)+1)
	maps.Copy(grown, known)
	grown[pattern] = struct{}{}
	s.known.Store(&grown)
	return pattern
}

// overflow logs the first pattern refused by the bound.
func (s *routeSet) overflow(pattern string) {
	if s.warned.CompareAndSwap(false, true) {
		s.logger.Warn("httpmetrics: route limit reached; requests to further routes are recorded with route=other (raise Config.MaxRoutes)",
			"max_routes", s.limit, "route", pattern)
	}
}
