package metrics

// Bucket scheme of distributions (histograms and timers).
//
// The scheme is part of the stored data format: bucket indexes are exported,
// persisted, and merged later by other processes and in SQL, so it must never
// change. It is a log-linear ("octave / sub-bucket") layout with a fixed-point
// grid, computable with integer arithmetic only:
//
//   - Values v <= 0 all go to the zero bucket, index 0, whose representative
//     value is 0 and whose bounds are [-2^63, 1).
//
//   - A value v >= 1 has octave o = bits.Len64(uint64(v)), in 1..63, so that
//     2^(o-1) <= v < 2^o. Its 14-bit mantissa m, in 0..16383, is the 14 bits
//     that follow the leading one bit (zero-padded on the right when v has
//     fewer bits): m = floor((v/2^(o-1) - 1) * 16384).
//
//   - The octave is split into K = 35 sub-buckets of (almost) equal
//     logarithmic width 2^(1/35) ≈ 1.0200. Sub-bucket s, in 0..34, is the
//     largest s with bucketMantissaLow[s] <= m, where
//     bucketMantissaLow[s] = ceil(16384 * (2^(s/35) - 1)) is the fixed table
//     below (bucketMantissaLow[35] = 16384). Equivalently
//     s = floor(35*log2(1+m/16384)) for every m (checked in a test).
//
//   - The index is o*35 + s, so indexes run from 35 (the value 1) to
//     63*35+34 = 2239 (which holds math.MaxInt64). Indexes 1..34 are never
//     used; their bounds are the empty interval [1, 1).
//
//   - Bucket o*35+s covers the real interval
//     [2^(o-1) * (1 + bucketMantissaLow[s]/16384), 2^(o-1) * (1 + bucketMantissaLow[s+1]/16384)),
//     i.e. roughly [2^(o-1+s/35), 2^(o-1+(s+1)/35)). Both bounds are exactly
//     representable as float64, and the upper bound of each bucket is the
//     lower bound of the next, so the buckets tile [-2^63, 2^63) without gaps.
//     An integer v is in the bucket iff lower <= v < upper. In small octaves
//     (v < 2^14) some buckets contain no integer at all and stay empty.
//
// Accuracy: each bucket is summarised by the value that minimises the maximum
// relative error over the integers lo..hi it contains, the harmonic midpoint
// 2*lo*hi/(lo+hi), whose relative error is at most (hi-lo)/(hi+lo). The widest
// bucket ratio, including the rounding of the bounds to the 1/16384 grid, is
// below 1.0201, so every quantile estimate is within about 0.99% of a value of
// the bucket (TestBucketRepresentativeError measures the maximum over all
// buckets). Quantiles are further clamped into the exact [Min, Max].
//
// Why this layout: the index is computed with one LZCNT, two shifts and one
// lookup in a 16 KiB table shared by all distributions, with no floating
// point and no division, and the per-octave grouping lets a distribution
// allocate its counters lazily, one 35-counter chunk per octave actually
// used, behind a two-level table of 8 pointers to groups of 8 chunk pointers
// (64 B each). Counters are 16 bits, two to an atomic uint32 word (a full
// counter spills 1<<15 counts into 64-bit spill counters allocated for the
// octave on first use), and a chunk is two 64-byte cache lines, each with the
// sum of the values counted in it: 128 B. (The zero bucket is counted as
// sub-bucket 0 of an octave 0, whose chunk only distributions that record
// values <= 0 allocate.) A latency distribution spanning 1 µs..10 s (25
// octaves, 4 groups) thus retains 128 (the 120 B distribution in its
// allocation size class) + 4*64 + 25*128 = 3584 B (3,583 measured by
// TestDistributionMemory).
// Coarser sub-buckets would break the 1% target; finer ones would break the
// 4 KiB budget.

import (
	"math"
	"math/bits"
)

const (
	// bucketSubCount is K, the number of sub-buckets per octave.
	bucketSubCount = 35
	// bucketMantissaBits is the width of the mantissa grid.
	bucketMantissaBits = 14
	// bucketMaxIndex is the largest bucket index (math.MaxInt64's bucket).
	bucketMaxIndex = 63*bucketSubCount + bucketSubCount - 1
)

// bucketMantissaLow[s] is the smallest 14-bit mantissa of sub-bucket s:
// ceil(16384 * (2^(s/35) - 1)). It is written out, not computed, so that the
// scheme never depends on the floating point library of a Go version.
var bucketMantissaLow = [bucketSubCount + 1]uint16{
	0, 328, 662, 1003, 1351, 1706, 2068, 2437, 2813, 3197, 3589, 3988,
	4396, 4811, 5235, 5668, 6109, 6559, 7018, 7486, 7963, 8450, 8947, 9453,
	9970, 10497, 11035, 11583, 12143, 12713, 13295, 13889, 14494, 15112, 15742,
	16384,
}

// bucketSubOf maps a 14-bit mantissa to its sub-bucket, filled at init from
// bucketMantissaLow.
var bucketSubOf [1 << bucketMantissaBits]uint8

func init() {
	s := 0
	for m := range bucketSubOf {
		for m >= int(bucketMantissaLow[s+1]) {
			s++
		}
		bucketSubOf[m] = uint8(s)
	}
}

// bucketOf returns the octave (1..63) and sub-bucket (0..34) of v >= 1.
func bucketOf(v int64) (oct int, sub int) {
	u := uint64(v)
	lz := bits.LeadingZeros64(u)
	return 64 - lz, int(bucketSubOf[(u<<uint(lz)>>(63-bucketMantissaBits))&(1<<bucketMantissaBits-1)])
}

// BucketIndex returns the index of the bucket that holds v: 0 for v <= 0,
// otherwise bits.Len64(v)*35 + sub-bucket, in 35..2239. See BucketBounds.
func BucketIndex(v int64) int32 {
	if v <= 0 {
		return 0
	}
	oct, sub := bucketOf(v)
	return int32(oct*bucketSubCount + sub)
}

// BucketBounds returns the half-open interval [lower, upper) of values, in
// value units, held by the bucket with the given index.
//
// Index 0 is the zero bucket, [-2^63, 1), holding every value <= 0. Indexes
// 1..34 are unused and return the empty [1, 1). Index o*35+s, for octave o in
// 1..63 and sub-bucket s in 0..34, returns
// [2^(o-1)*(1+L[s]/16384), 2^(o-1)*(1+L[s+1]/16384)) with
// L = {0, 328, 662, 1003, 1351, 1706, 2068, 2437, 2813, 3197, 3589, 3988,
// 4396, 4811, 5235, 5668, 6109, 6559, 7018, 7486, 7963, 8450, 8947, 9453,
// 9970, 10497, 11035, 11583, 12143, 12713, 13295, 13889, 14494, 15112, 15742,
// 16384}, L[s] = ceil(16384*(2^(s/35)-1)). Bounds are exact, and the upper
// bound of each index is the lower bound of the next one. Indexes outside
// 0..2239 return NaN, NaN.
//
// The scheme is stable: indexes produced by any version of this package may
// be merged with each other by adding the counts of equal indexes.
func BucketBounds(index int32) (lower, upper float64) {
	switch {
	case index < 0 || index > bucketMaxIndex:
		return math.NaN(), math.NaN()
	case index == 0:
		return math.MinInt64, 1
	case index < bucketSubCount:
		return 1, 1
	}
	oct, sub := int(index)/bucketSubCount, int(index)%bucketSubCount
	lower = math.Ldexp(1+float64(bucketMantissaLow[sub])/(1<<bucketMantissaBits), oct-1)
	upper = math.Ldexp(1+float64(bucketMantissaLow[sub+1])/(1<<bucketMantissaBits), oct-1)
	return lower, upper
}

// bucketIntLow returns the smallest integer of sub-bucket sub (0..35, where 35
// means the next octave) of octave oct (1..63), as a uint64 since it reaches
// 2^63.
func bucketIntLow(oct, sub int) uint64 {
	base := uint64(1) << uint(oct-1)
	m := uint64(bucketMantissaLow[sub])
	if oct-1 >= bucketMantissaBits {
		return base + m<<uint(oct-1-bucketMantissaBits)
	}
	// ceil(m * 2^(oct-1) / 2^14)
	shift := uint(bucketMantissaBits - (oct - 1))
	return base + (m+(1<<shift)-1)>>shift
}

// bucketIntRange returns the smallest and largest integer held by the bucket
// with the given valid index; lo > hi when the bucket holds no integer.
func bucketIntRange(index int32) (lo, hi int64) {
	if index < bucketSubCount {
		if index == 0 {
			return math.MinInt64, 0
		}
		return 1, 0
	}
	oct, sub := int(index)/bucketSubCount, int(index)%bucketSubCount
	return int64(bucketIntLow(oct, sub)), int64(bucketIntLow(oct, sub+1) - 1)
}

// bucketRepresentative returns the value that stands for the values of the
// bucket with the given index: 0 for the zero bucket, otherwise the harmonic
// midpoint 2*lo*hi/(lo+hi) of the integers lo..hi the bucket holds, which
// minimises the maximum relative error over them. Invalid indexes are clamped
// to the valid range.
func bucketRepresentative(index int32) float64 {
	return bucketRepresentatives[min(max(index, 0), bucketMaxIndex)]
}

// bucketRepresentatives holds every bucket's representative, computed once:
// every snapshot looks up a few per histogram and timer for the quantiles,
// and one per bucket for the standard deviation (17.5 KiB).
var bucketRepresentatives = func() (reps [bucketMaxIndex + 1]float64) {
	for index := int32(1); index <= bucketMaxIndex; index++ {
		lo, hi := bucketIntRange(index)
		if lo >= hi {
			reps[index] = float64(lo)
			continue
		}
		a, b := float64(lo), float64(hi)
		reps[index] = 2 * a * b / (a + b)
	}
	return reps
}()
