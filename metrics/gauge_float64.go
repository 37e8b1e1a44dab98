package metrics

import (
	"math"
	"sync/atomic"

	gometrics "github.com/rcrowley/go-metrics"
)

var _ gometrics.GaugeFloat64 = (*GaugeFloat64)(nil)

// GaugeFloat64 is a float64 level that is set, such as a ratio. It is
// exported as its last value, from its first valid Update on. NaN and
// infinite values are refused: the gauge keeps its previous value, and the
// registry counts a bad value and names the series (see Registry.Refused).
// A gauge that was never given a valid value has none and is left out of
// snapshots (its Value reads 0). Its methods are safe for concurrent use
// and lock-free; Update of a valid value is one atomic store.
type GaugeFloat64 struct {
	// bits holds the bits of the value set since the last snapshot, or
	// floatNone when none was. Update is a single store, inlined: a
	// snapshot finds out whether the gauge was set by swapping bits back to
	// floatNone, after copying the value to held.
	bits atomic.Uint64
	held atomic.Uint64 // the value the last snapshot read; floatNone if none
	origin
}

// floatNone is the bits of a float gauge that holds no value: those of a
// NaN, which Update refuses, so no value a gauge can hold looks like it.
const floatNone = 0x7ff8_0000_0000_0001

func decodeFloat(b uint64) float64 {
	if b == floatNone {
		return 0
	}
	return math.Float64frombits(b)
}

// GaugeFloat64 returns the float gauge with this name and tags, registering
// it if it is new. See Registry for what happens to invalid input.
func (r *Registry) GaugeFloat64(name string, tags Tags) *GaugeFloat64 {
	g, _ := r.GaugeFloat64E(name, tags)
	return g
}

// GaugeFloat64E is GaugeFloat64 that also returns why a registration was
// refused.
func (r *Registry) GaugeFloat64E(name string, tags Tags) (*GaugeFloat64, error) {
	return getAs(r, KindGaugeFloat64, name, tags, r.newGaugeFloat64)
}

func (r *Registry) newGaugeFloat64() *GaugeFloat64 {
	g := &GaugeFloat64{origin: origin{reg: r}}
	g.bits.Store(floatNone)
	g.held.Store(floatNone)
	return g
}

// Update sets the gauge's value. NaN and ±Inf are dropped and counted.
func (g *GaugeFloat64) Update(v float64) {
	// v-v is 0 for every finite v, NaN for NaN and ±Inf. Keep this function
	// within the compiler's inlining budget (TestHotPathsInline).
	if v-v != 0 {
		g.refuse(v)
		return
	}
	g.bits.Store(math.Float64bits(v))
}

// refuse counts v, a NaN or ±Inf. It stays out of line so that Update is
// small enough to be inlined.
//
//go:noinline
func (g *GaugeFloat64) refuse(v float64) { g.refuseValue(KindGaugeFloat64, refusedFloat(v)) }

// Value returns the last value set, 0 before the first valid Update.
func (g *GaugeFloat64) Value() float64 {
	b := g.bits.Load()
	if b == floatNone {
		b = g.held.Load() // stored before bits was swapped back to floatNone
	}
	return decodeFloat(b)
}

// Snapshot returns a read-only copy of the value, for go-metrics code.
func (g *GaugeFloat64) Snapshot() gometrics.GaugeFloat64 {
	return gometrics.GaugeFloat64Snapshot(g.Value())
}

// read returns the value to export, whether the gauge holds one (ok) and
// whether it was set since the last snapshot (active); advance starts a new
// interval. An Update racing with it is either read now or kept for the
// next snapshot.
func (g *GaugeFloat64) read(advance bool) (v float64, active, ok bool) {
	b := g.bits.Load()
	if b == floatNone {
		held := g.held.Load()
		return decodeFloat(held), false, held != floatNone
	}
	if advance {
		g.held.Store(b)
		g.bits.CompareAndSwap(b, floatNone) // fails if a new value came: it stays set
	}
	return decodeFloat(b), true, true
}
