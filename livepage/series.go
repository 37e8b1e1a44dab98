package livepage

import (
	"math"
	"slices"

	"github.com/vitals-go/vitals/metrics"
)

// series is the history of one series: its identity, and one column per
// line indexed by the history's slots. A value missing from a snapshot is
// NaN in vals and the null code in the quantile columns.
type series struct {
	// Set at creation, then read without the history's lock.
	id, name string
	tags     []metrics.Tag // sorted by key; a copy
	kind     metrics.Kind
	unit     string

	// The rest is guarded by the history's lock.
	lastSeq uint64 // the newest snapshot that had this series

	// counters and meters: the count and time (unix ms) of the last
	// snapshot that had the series, to rate the next one.
	prevCount int64
	prevTime  int64

	// vals is, per slot: the rate per second of a counter or meter, the
	// value of a gauge, the interval's count of a histogram or timer.
	vals []float32
	// histograms and timers only: the interval's quantiles (see
	// encodeQuantile) and heatmap bands (see packBands), and the octave of
	// the first band, 0 until the series had values.
	p50, p99 []uint16
	bands    []uint64
	bandBase int
}

// distribution reports whether kind is a histogram or a timer.
func distribution(kind metrics.Kind) bool {
	return kind == metrics.KindHistogram || kind == metrics.KindTimer
}

// newSeries returns the history of s, with slots slots and no values.
func newSeries(id string, s *metrics.Series, slots int) *series {
	ser := &series{
		id: id, name: s.Name, tags: slices.Clone(s.Tags), kind: s.Kind, unit: s.Unit,
		vals: make([]float32, slots),
	}
	nan := float32(math.NaN())
	for i := range ser.vals {
		ser.vals[i] = nan
	}
	if distribution(s.Kind) {
		ser.p50 = make([]uint16, slots)
		ser.p99 = make([]uint16, slots)
		ser.bands = make([]uint64, slots)
	}
	return ser
}

// matches reports whether s is this series.
func (ser *series) matches(s *metrics.Series) bool {
	return ser.name == s.Name && ser.kind == s.Kind && slices.Equal(ser.tags, s.Tags)
}

// record puts s, from the snapshot seq taken at t (unix ms), in slot.
func (ser *series) record(slot int, s *metrics.Series, seq uint64, t int64) {
	ser.lastSeq = seq
	switch {
	case ser.kind == metrics.KindCounter || ser.kind == metrics.KindMeter:
		rate := math.NaN()
		if ser.prevTime != 0 && t > ser.prevTime {
			rate = float64(s.Count-ser.prevCount) * 1000 / float64(t-ser.prevTime)
		}
		ser.prevCount, ser.prevTime = s.Count, t
		ser.vals[slot] = float32(rate)
	case distribution(ser.kind):
		sum := &s.Summary
		ser.vals[slot] = float32(sum.Count)
		if sum.Count == 0 {
			ser.p50[slot], ser.p99[slot], ser.bands[slot] = quantileNull, quantileNull, 0
			return
		}
		ser.p50[slot], ser.p99[slot] = encodeQuantile(sum.P50), encodeQuantile(sum.P99)
		if ser.bandBase == 0 && len(sum.Buckets) > 0 {
			ser.bandBase = placeBands(sum)
		}
		ser.bands[slot] = packBands(sum.Buckets, ser.bandBase)
	default: // gauges
		ser.vals[slot] = float32(s.Value)
	}
}

// clear empties slot, for a snapshot without the series.
func (ser *series) clear(slot int) {
	ser.vals[slot] = float32(math.NaN())
	if ser.p50 != nil {
		ser.p50[slot], ser.p99[slot], ser.bands[slot] = quantileNull, quantileNull, 0
	}
}
