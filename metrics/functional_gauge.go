package metrics

import (
	gometrics "github.com/rcrowley/go-metrics"
)

var (
	_ gometrics.Gauge        = (*FunctionalGauge)(nil)
	_ gometrics.GaugeFloat64 = (*FunctionalGaugeFloat64)(nil)
)

// FunctionalGauge is a gauge whose value is read from a function at every
// snapshot, such as the length of a channel. The function must be fast and
// safe for concurrent use; if it panics, the snapshot skips the series and
// logs the panic. Functional gauges are never idle.
type FunctionalGauge struct {
	value func() int64
}

// FunctionalGauge registers a gauge read from value. If the name and tags are
// already registered as a functional gauge, the existing one is returned and
// value is not used. A nil value reads as 0.
func (r *Registry) FunctionalGauge(name string, tags Tags, value func() int64) *FunctionalGauge {
	g, _ := r.FunctionalGaugeE(name, tags, value)
	return g
}

// FunctionalGaugeE is FunctionalGauge that also returns why a registration
// was refused.
func (r *Registry) FunctionalGaugeE(name string, tags Tags, value func() int64) (*FunctionalGauge, error) {
	if value == nil {
		value = func() int64 { return 0 }
	}
	return getAs(r, KindGauge, name, tags, func() *FunctionalGauge { return &FunctionalGauge{value: value} })
}

// Value calls the function.
func (g *FunctionalGauge) Value() int64 { return g.value() }

// Update does nothing: the value comes from the function. (go-metrics'
// FunctionalGauge panics here; a metrics library must not.)
func (g *FunctionalGauge) Update(int64) {}

// Snapshot returns a read-only copy of the current value, for go-metrics code.
func (g *FunctionalGauge) Snapshot() gometrics.Gauge { return gometrics.GaugeSnapshot(g.Value()) }

// FunctionalGaugeFloat64 is a float64 gauge read from a function at every
// snapshot. NaN and infinite results are not exported (and are counted as
// bad values).
type FunctionalGaugeFloat64 struct {
	value func() float64
}

// FunctionalGaugeFloat64 registers a float gauge read from value. If the name
// and tags are already registered as a functional float gauge, the existing
// one is returned and value is not used. A nil value reads as 0.
func (r *Registry) FunctionalGaugeFloat64(name string, tags Tags, value func() float64) *FunctionalGaugeFloat64 {
	g, _ := r.FunctionalGaugeFloat64E(name, tags, value)
	return g
}

// FunctionalGaugeFloat64E is FunctionalGaugeFloat64 that also returns why a
// registration was refused.
func (r *Registry) FunctionalGaugeFloat64E(name string, tags Tags, value func() float64) (*FunctionalGaugeFloat64, error) {
	if value == nil {
		value = func() float64 { return 0 }
	}
	return getAs(r, KindGaugeFloat64, name, tags, func() *FunctionalGaugeFloat64 { return &FunctionalGaugeFloat64{value: value} })
}

// Value calls the function.
func (g *FunctionalGaugeFloat64) Value() float64 { return g.value() }

// Update does nothing: the value comes from the function.
func (g *FunctionalGaugeFloat64) Update(float64) {}

// Snapshot returns a read-only copy of the current value, for go-metrics code.
func (g *FunctionalGaugeFloat64) Snapshot() gometrics.GaugeFloat64 {
	return gometrics.GaugeFloat64Snapshot(g.Value())
}
