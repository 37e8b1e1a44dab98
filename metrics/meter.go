package metrics

import (
	"sync/atomic"
	"time"

	gometrics "github.com/rcrowley/go-metrics"
)

var _ gometrics.Meter = (*Meter)(nil)

// Meter counts events and their rate, such as requests served. It is
// exported as its cumulative count and its Rates. Mark is lock-free and does
// not allocate; there is no goroutine per meter (see Rates).
type Meter struct {
	count atomic.Int64
	now   func() time.Time
	ewma  *ewma
}

// Meter returns the meter with this name and tags, registering it if it is
// new. See Registry for what happens to invalid input.
func (r *Registry) Meter(name string, tags Tags) *Meter {
	m, _ := r.MeterE(name, tags)
	return m
}

// MeterE is Meter that also returns why a registration was refused.
func (r *Registry) MeterE(name string, tags Tags) (*Meter, error) {
	return getAs(r, KindMeter, name, tags, r.newMeter)
}

func (r *Registry) newMeter() *Meter { return &Meter{now: r.now, ewma: newEWMA(r.now())} }

// Mark records n events.
func (m *Meter) Mark(n int64) { m.count.Add(n) }

// Count returns the number of events marked since creation.
func (m *Meter) Count() int64 { return m.count.Load() }

// Rates returns the moving averages and the mean rate, in events per second.
func (m *Meter) Rates() Rates { return m.ewma.rates(m.now(), m.Count()) }

// Rate1 returns the one-minute moving average rate, in events per second.
func (m *Meter) Rate1() float64 { return m.Rates().Rate1 }

// Rate5 returns the five-minute moving average rate, in events per second.
func (m *Meter) Rate5() float64 { return m.Rates().Rate5 }

// Rate15 returns the fifteen-minute moving average rate, in events per second.
func (m *Meter) Rate15() float64 { return m.Rates().Rate15 }

// RateMean returns the mean rate since creation, in events per second.
func (m *Meter) RateMean() float64 { return m.Rates().Mean }

// Snapshot returns a read-only copy, for go-metrics code.
func (m *Meter) Snapshot() gometrics.Meter {
	r := m.Rates()
	return &meterSnapshot{count: m.Count(), rates: r}
}

// Stop does nothing: a vitals meter has no goroutine to stop. It exists for
// go-metrics' Meter interface; use Registry.Unregister to stop exporting.
func (m *Meter) Stop() {}

// meterSnapshot is a read-only Meter for go-metrics' Snapshot methods.
type meterSnapshot struct {
	count int64
	rates Rates
}

func (s *meterSnapshot) Count() int64              { return s.count }
func (s *meterSnapshot) Mark(int64)                {}
func (s *meterSnapshot) Rate1() float64            { return s.rates.Rate1 }
func (s *meterSnapshot) Rate5() float64            { return s.rates.Rate5 }
func (s *meterSnapshot) Rate15() float64           { return s.rates.Rate15 }
func (s *meterSnapshot) RateMean() float64         { return s.rates.Mean }
func (s *meterSnapshot) Snapshot() gometrics.Meter { return s }
func (s *meterSnapshot) Stop()                     {}
