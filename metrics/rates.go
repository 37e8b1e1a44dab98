package metrics

import (
	"math"
	"sync"
	"time"
)

// tickInterval is the step of the moving averages, the same 5 s as
// go-metrics and Dropwizard.
const tickInterval = 5 * time.Second

// The smoothing factors of go-metrics' 1-, 5- and 15-minute EWMAs.
var (
	alpha1  = 1 - math.Exp(-5.0/60.0/1)
	alpha5  = 1 - math.Exp(-5.0/60.0/5)
	alpha15 = 1 - math.Exp(-5.0/60.0/15)
)

// Rates are events per second: 1-, 5- and 15-minute exponentially weighted
// moving averages, the same as go-metrics', and the mean since creation.
type Rates struct {
	Rate1, Rate5, Rate15, Mean float64
}

// ewma computes Rates from a cumulative count, without a goroutine: whoever
// reads the rates (a snapshot, or a caller of Rate1) first advances the
// averages by every whole 5 s tick since the last one. The count added since
// then is spread evenly over those ticks; a registry read every 5 s or more
// often therefore computes exactly what go-metrics' ticker computes.
type ewma struct {
	mu          sync.Mutex
	start       time.Time
	lastTick    time.Time
	lastCount   int64
	started     bool // the first tick sets the averages, as in go-metrics
	m1, m5, m15 float64
}

func newEWMA(now time.Time) *ewma { return &ewma{start: now, lastTick: now} }

// rates advances the averages to now, given the cumulative count, and
// returns them.
func (e *ewma) rates(now time.Time, count int64) Rates {
	e.mu.Lock()
	defer e.mu.Unlock()
	if ticks := int64(now.Sub(e.lastTick) / tickInterval); ticks > 0 {
		perTick := float64(count-e.lastCount) / float64(ticks)
		instant := perTick / tickInterval.Seconds()
		n := float64(ticks)
		if !e.started {
			e.m1, e.m5, e.m15 = instant, instant, instant
			e.started = true
			n--
		}
		// n ticks of the same instant rate, in closed form:
		// m' = instant + (m - instant) * (1-alpha)^n.
		e.m1 = instant + (e.m1-instant)*math.Pow(1-alpha1, n)
		e.m5 = instant + (e.m5-instant)*math.Pow(1-alpha5, n)
		e.m15 = instant + (e.m15-instant)*math.Pow(1-alpha15, n)
		e.lastTick = e.lastTick.Add(time.Duration(ticks) * tickInterval)
		e.lastCount = count
	}
	var mean float64
	if elapsed := now.Sub(e.start).Seconds(); elapsed > 0 {
		mean = float64(count) / elapsed
	}
	return Rates{Rate1: e.m1, Rate5: e.m5, Rate15: e.m15, Mean: mean}
}

// reset forgets all history, as after Clear.
func (e *ewma) reset(now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	*e = ewma{start: now, lastTick: now}
}
