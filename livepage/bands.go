package livepage

import (
	"math"
	"math/bits"

	"github.com/vitals-go/vitals/metrics"
)

// A distribution's heatmap keeps, per column of columnSpan snapshots,
// their intervals' values in bandCount bands one octave (a factor of two)
// wide, each band's count reduced to 4 bits: all 16 fit in a uint64. A
// series' bands are placed once, around its first interval with values
// (see placeBands); the first band also counts smaller values and the
// last one larger values.
//
// A band's 4 bits hold its share of the column's count on a logarithmic
// scale: 0 for none, else 16 + floor(log2(share)) clamped to 1..15, so 15
// is half of the values or more and 1 is less than 1 in 16,384. The exact
// count of each interval is kept beside, so approxCount gives a band's
// count back within a factor of √2 (before rounding to an integer), which
// is what a heatmap's colours show.
//
// A column of columnSpan snapshots instead of one takes the bands from 8
// bytes per snapshot, the most of a histogram's or timer's 14, to 8/3:
// 1,000 timers over an hour at 10 s take 3.7 MiB instead of 5.5, where
// columns of two took 4.2 (see BenchmarkHistoryMemory). The p50 and p99
// lines keep every snapshot; the heatmap under them has a third of their
// time resolution, 30 s columns at the default 10 s interval: 120 over an
// hour, about 3 pixels each in a chart of the page's narrowest width,
// where a snapshot had less than one.
const (
	bandCount   = 16
	bandBits    = 4
	bandMax     = 1<<bandBits - 1
	maxOctave   = 64 // bits.Len64 of the largest int64 magnitude
	bucketsPerO = 35 // metrics' sub-buckets per octave (see metrics.BucketBounds)
	columnSpan  = 3  // snapshots per heatmap column
)

// octaveOf returns the octave of v: 0 for v <= 0, else bits.Len64(v), so
// that 2^(o-1) <= v < 2^o.
func octaveOf(v int64) int {
	if v <= 0 {
		return 0
	}
	return bits.Len64(uint64(v))
}

// placeBands returns the octave of the first band of a series whose first
// interval with values is sum: the interval's octaves centred in the bands
// when they fit, else the bands centred on its median.
func placeBands(sum *metrics.Summary) int {
	lo, hi := octaveOf(sum.Min), octaveOf(sum.Max)
	base := lo - (bandCount-(hi-lo+1))/2
	if hi-lo+1 > bandCount {
		base = octaveOf(int64(sum.P50)) - bandCount/2 + 1
	}
	return min(max(base, 1), maxOctave-bandCount+1)
}

// bandCounts is the count of each band over the snapshots of a column so
// far; a count saturates at the largest uint32.
type bandCounts [bandCount]uint32

// add adds the buckets to the bands starting at octave base.
func (c *bandCounts) add(buckets []metrics.Bucket, base int) {
	for _, b := range buckets {
		band := min(max(int(b.Index)/bucketsPerO-base, 0), bandCount-1)
		c[band] = uint32(min(uint64(c[band])+b.Count, math.MaxUint32))
	}
}

// pack returns the 4-bit shares of the bands, or 0 when they have no
// values.
func (c *bandCounts) pack() uint64 {
	var total uint64
	for _, n := range c {
		total += uint64(n)
	}
	if total == 0 {
		return 0
	}
	var packed uint64
	for i, n := range c {
		if n == 0 {
			continue
		}
		q := 16 + int(math.Floor(math.Log2(float64(n)/float64(total))))
		packed |= uint64(min(max(q, 1), bandMax)) << (i * bandBits)
	}
	return packed
}

// approxCount returns the count of band i of packed, in an interval of
// total values: the geometric middle of the shares its code stands for,
// at least 1 when the band had values and at most total.
func approxCount(packed uint64, i int, total float64) float64 {
	q := packed >> (i * bandBits) & bandMax
	if q == 0 {
		return 0
	}
	c := math.Round(total * math.Exp2(float64(q)-16+0.5))
	return min(max(c, 1), total)
}

// bandBounds returns the lower bound of each band starting at octave base.
func bandBounds(base int) []float64 {
	out := make([]float64, bandCount)
	for i := range out {
		out[i] = math.Ldexp(1, base+i-1)
	}
	return out
}
