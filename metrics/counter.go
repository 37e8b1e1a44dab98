package metrics

import (
	"sync/atomic"

	gometrics "github.com/rcrowley/go-metrics"
)

var _ gometrics.Counter = (*Counter)(nil)

// Counter is a count that moves by Inc and Dec, such as jobs done. It is
// exported as its current count. Its methods are safe for concurrent use,
// lock-free and do not allocate.
type Counter struct {
	count atomic.Int64
}

// Counter returns the counter with this name and tags, registering it if it
// is new. See Registry for what happens to invalid input.
func (r *Registry) Counter(name string, tags Tags) *Counter {
	c, _ := r.CounterE(name, tags)
	return c
}

// CounterE is Counter that also returns why a registration was refused.
func (r *Registry) CounterE(name string, tags Tags) (*Counter, error) {
	return getAs(r, KindCounter, name, tags, r.newCounter)
}

func (r *Registry) newCounter() *Counter { return new(Counter) }

// Inc adds n to the count.
func (c *Counter) Inc(n int64) { c.count.Add(n) }

// Dec subtracts n from the count.
func (c *Counter) Dec(n int64) { c.count.Add(-n) }

// Count returns the current count.
func (c *Counter) Count() int64 { return c.count.Load() }

// Clear sets the count to zero.
func (c *Counter) Clear() { c.count.Store(0) }

// Snapshot returns a read-only copy of the count, for go-metrics code.
func (c *Counter) Snapshot() gometrics.Counter { return gometrics.CounterSnapshot(c.Count()) }
