package livepage

import (
	"math"
	"slices"

	"github.com/vitals-go/vitals/metrics"
)

// series is the history of one series: its identity, and one column per
// line indexed by the history's slots. A value missing from a snapshot is
// NaN in vals and the null code in the columns of codes.
type series struct {
	// Set at creation, then read without the history's lock.
	id, name string
	tags     []metrics.Tag // sorted by key; a copy
	kind     metrics.Kind
	unit     string
	firstSeq uint64 // the first snapshot that had the series

	// The rest is guarded by the history's lock.
	lastSeq uint64 // the newest snapshot that had this series

	// counters and meters: the count and time (unix ms) of the last
	// snapshot that had the series, to rate the next one.
	prevCount int64
	prevTime  int64

	// counters and meters: the rate per second; gauges: the value.
	vals []float32
	// histograms and timers: the interval's count (see encodeCount) and
	// quantiles (see encodeQuantile), three columns of one allocation; the
	// heatmap bands of each column of snapshots (see bandCounts), indexed
	// by the column's number (see history.column) modulo their length; the
	// counts of the newest column so far; and the octave of the first band,
	// 0 until the series had values.
	counts, p50, p99 []uint16
	bands            []uint64
	pending          bandCounts
	bandBase         int
}

// distribution reports whether kind is a histogram or a timer.
func distribution(kind metrics.Kind) bool {
	return kind == metrics.KindHistogram || kind == metrics.KindTimer
}

// newSeries returns the history of s, first in the snapshot seq, with
// slots slots, columns heatmap columns and no values.
func newSeries(id string, s *metrics.Series, slots, columns int, seq uint64) *series {
	ser := &series{id: id, name: s.Name, tags: slices.Clone(s.Tags), kind: s.Kind, unit: s.Unit, firstSeq: seq}
	if distribution(s.Kind) {
		codes := make([]uint16, 3*slots)
		ser.counts, ser.p50, ser.p99 = codes[:slots:slots], codes[slots:2*slots:2*slots], codes[2*slots:]
		for i := range ser.counts {
			ser.counts[i] = countNull
		}
		ser.bands = make([]uint64, columns)
		return ser
	}
	ser.vals = make([]float32, slots)
	nan := float32(math.NaN())
	for i := range ser.vals {
		ser.vals[i] = nan
	}
	return ser
}

// matches reports whether s is this series.
func (ser *series) matches(s *metrics.Series) bool {
	return ser.name == s.Name && ser.kind == s.Kind && slices.Equal(ser.tags, s.Tags)
}

// record puts s, from the snapshot seq taken at t (unix ms), in slot and
// in the heatmap column col, of which it is the first snapshot if first.
func (ser *series) record(slot int, col column, s *metrics.Series, seq uint64, t int64) {
	prevSeq := ser.lastSeq
	ser.lastSeq = seq
	switch {
	case ser.kind == metrics.KindCounter || ser.kind == metrics.KindMeter:
		// A rate only over one interval: after a snapshot without the
		// series, the change may span any number of them. A count that
		// went down was reset (Counter.Clear, the series registered
		// again), and has no rate.
		rate := math.NaN()
		if prevSeq != 0 && prevSeq == seq-1 && s.Count >= ser.prevCount {
			rate = float64(s.Count-ser.prevCount) * 1000 / float64(t-ser.prevTime)
		}
		ser.prevCount, ser.prevTime = s.Count, t
		ser.vals[slot] = float32(rate)
	case distribution(ser.kind):
		sum := &s.Summary
		ser.counts[slot] = encodeCount(sum.Count)
		if col.first {
			ser.pending, ser.bands[col.at] = bandCounts{}, 0
		}
		if sum.Count == 0 {
			ser.p50[slot], ser.p99[slot] = quantileNull, quantileNull
			return
		}
		ser.p50[slot], ser.p99[slot] = encodeQuantile(sum.P50), encodeQuantile(sum.P99)
		if ser.bandBase == 0 && len(sum.Buckets) > 0 {
			ser.bandBase = placeBands(sum)
		}
		ser.pending.add(sum.Buckets, ser.bandBase)
		ser.bands[col.at] = ser.pending.pack()
	default: // gauges
		ser.vals[slot] = float32(s.Value)
	}
}

// clear empties slot, for a snapshot without the series, and starts the
// heatmap column col empty if the snapshot is its first.
func (ser *series) clear(slot int, col column) {
	if ser.counts != nil {
		ser.counts[slot], ser.p50[slot], ser.p99[slot] = countNull, quantileNull, quantileNull
		if col.first {
			ser.pending, ser.bands[col.at] = bandCounts{}, 0
		}
		return
	}
	ser.vals[slot] = float32(math.NaN())
}
