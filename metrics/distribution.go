package metrics

import (
	"math"
	"sync"
	"sync/atomic"
)

// Bucket is one non-empty bucket of a Distribution: the number of values whose
// BucketIndex is Index. See BucketBounds for the (stable) bucket scheme.
type Bucket struct {
	// Index is the bucket index, see BucketIndex and BucketBounds.
	Index int32
	// Count is the number of values in the bucket.
	Count uint64
}

// Distribution is an immutable view of the int64 values recorded by a
// histogram or timer during one interval (between two collections), plus the
// cumulative count and sum since creation or the last clear.
//
// Count, Sum, Min and Max are exact; quantiles, variance and standard
// deviation are estimated from the buckets, within 1% relative error for
// quantiles of positive values. Distributions of different intervals or hosts
// can be combined with Merge, or by adding the counts of equal bucket indexes.
type Distribution struct {
	// Count is the number of values recorded in the interval.
	Count int64
	// Sum is the exact sum of those values (wrapping like int64 addition).
	Sum int64
	// Min is the smallest value of the interval, 0 when Count == 0.
	Min int64
	// Max is the largest value of the interval, 0 when Count == 0.
	Max int64
	// TotalCount is the cumulative count since creation or clear, including
	// this interval.
	TotalCount int64
	// TotalSum is the cumulative sum since creation or clear, including this
	// interval.
	TotalSum int64
	// Buckets are the non-empty buckets of the interval, in ascending Index
	// order. Their counts add up to Count. Do not modify them.
	Buckets []Bucket
}

// Quantile returns an estimate of the q-quantile of the values, for q in
// [0, 1]: the value of nearest rank ceil(q*Count) (rank 1 for q == 0), or more
// exactly the representative value of the bucket holding it (see
// BucketBounds), clamped into [Min, Max]. Quantile(0) is Min and Quantile(1)
// is Max. For positive values the result is within 1% of the exact value of
// that rank. q is clamped into [0, 1], NaN counting as 0. It returns 0 for an
// empty distribution.
func (d Distribution) Quantile(q float64) float64 {
	var out [1]float64
	d.quantilesInto([]float64{q}, out[:])
	return out[0]
}

// quantilesInto sets out[i] to d.Quantile(qs[i]), in one pass over the
// buckets. qs must be in ascending order, NaN first.
func (d Distribution) quantilesInto(qs, out []float64) {
	var n uint64
	for _, b := range d.Buckets {
		n += b.Count
	}
	if n == 0 {
		clear(out)
		return
	}
	var seen uint64 // the count of the buckets before d.Buckets[next]
	next := 0
	for i, q := range qs {
		if !(q > 0) { // also NaN
			out[i] = float64(d.Min)
			continue
		}
		if q >= 1 {
			out[i] = float64(d.Max)
			continue
		}
		rank := uint64(math.Ceil(q * float64(n)))
		if rank < 1 {
			rank = 1
		} else if rank > n {
			rank = n
		}
		for next < len(d.Buckets)-1 && seen+d.Buckets[next].Count < rank {
			seen += d.Buckets[next].Count
			next++
		}
		out[i] = d.clampValue(bucketRepresentative(d.Buckets[next].Index))
	}
}

// clampValue clamps x into [Min, Max].
func (d Distribution) clampValue(x float64) float64 {
	if lo := float64(d.Min); x < lo {
		x = lo
	}
	if hi := float64(d.Max); x > hi {
		x = hi
	}
	return x
}

// Mean returns Sum/Count, or 0 when the distribution is empty.
func (d Distribution) Mean() float64 {
	if d.Count == 0 {
		return 0
	}
	return float64(d.Sum) / float64(d.Count)
}

// Variance returns an estimate of the population variance of the values
// (divided by the number of values, not by that number minus one, like
// go-metrics' SampleVariance): the mean squared deviation of the buckets'
// representative values (each clamped into [Min, Max], see Quantile) around
// the exact Mean. Since every representative is within 1% of the values it
// stands for, the estimate is close to the exact variance unless the spread
// of the values is small relative to their magnitude (below a few percent).
// It returns 0 when empty.
func (d Distribution) Variance() float64 {
	var n uint64
	for _, b := range d.Buckets {
		n += b.Count
	}
	if n == 0 {
		return 0
	}
	mean := d.Mean()
	var s float64
	for _, b := range d.Buckets {
		dev := d.clampValue(bucketRepresentative(b.Index)) - mean
		s += float64(b.Count) * dev * dev
	}
	return s / float64(n)
}

// StdDev returns the square root of Variance.
func (d Distribution) StdDev() float64 {
	return math.Sqrt(d.Variance())
}

// Merge returns the distribution of the values of both d and o, as if they had
// been recorded into one: counts, sums, totals and the counts of equal bucket
// indexes are added, Min is the smaller Min and Max the larger Max of the
// non-empty sides. Neither d nor o is modified.
func (d Distribution) Merge(o Distribution) Distribution {
	r := Distribution{
		Count:      d.Count + o.Count,
		Sum:        d.Sum + o.Sum,
		TotalCount: d.TotalCount + o.TotalCount,
		TotalSum:   d.TotalSum + o.TotalSum,
	}
	switch {
	case d.Count == 0:
		r.Min, r.Max = o.Min, o.Max
	case o.Count == 0:
		r.Min, r.Max = d.Min, d.Max
	default:
		r.Min, r.Max = min(d.Min, o.Min), max(d.Max, o.Max)
	}
	r.Buckets = mergeBuckets(d.Buckets, o.Buckets)
	return r
}

// mergeBuckets returns the buckets of a and b (each in ascending Index
// order) in one ascending list, adding the counts of equal indexes. It
// returns nil when both are empty.
func mergeBuckets(a, b []Bucket) []Bucket {
	if len(a)+len(b) == 0 {
		return nil
	}
	m := make([]Bucket, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		switch {
		case a[0].Index < b[0].Index:
			m = append(m, a[0])
			a = a[1:]
		case a[0].Index > b[0].Index:
			m = append(m, b[0])
			b = b[1:]
		default:
			m = append(m, Bucket{Index: a[0].Index, Count: a[0].Count + b[0].Count})
			a, b = a[1:], b[1:]
		}
	}
	m = append(m, a...)
	return append(m, b...)
}

// Encodings of the interval extremes, chosen so that the zero value of the
// fields means "nothing recorded" and a new extreme is a larger uint64:
// max holds uint64(v) ^ 1<<63 (order-preserving), min holds its complement.
// The empty encoding 0 coincides with a Max of math.MinInt64 or a Min of
// math.MaxInt64, which is what it decodes to when Count > 0.
const distSignBit = 1 << 63

func distEncodeMax(v int64) uint64 { return uint64(v) ^ distSignBit }
func distDecodeMax(e uint64) int64 { return int64(e ^ distSignBit) }
func distEncodeMin(v int64) uint64 { return ^(uint64(v) ^ distSignBit) }
func distDecodeMin(e uint64) int64 { return int64(^e ^ distSignBit) }

// Bucket counters are 16-bit halves of uint32 words (sync/atomic has no
// 16-bit operations), so incrementing one is one atomic add of 1 or 1<<16.
// A half whose add sets bit 15 has 1<<15 counts moved to the octave's spill
// counters (see spill) by every record that sees the bit, so a half never
// carries into its neighbour unless 32,768 records of that one bucket are in
// flight at once.
const (
	distSpillAt  = 1 << 15
	distHalfMask = 1<<16 - 1
	// distLineWords is how many counter words a cache line of an octave has:
	// 18 counters, of which the second line uses 17.
	distLineWords = (bucketSubCount + 3) / 4
)

// distLine is one 64-byte cache line of an octave's counters: every other
// sub-bucket of the octave, two to a word, and the sum of the values counted
// in them. Keeping each sum beside its counters means a record writes one
// line, and alternating the sub-buckets between the two lines halves the
// chance that concurrent records of one octave write the same line.
//
// The sum is cumulative: a collect takes sum - taken and moves taken up,
// with a load where a swap (a locked instruction, as costly as a trip to
// another core's cache) would be needed to reset it.
type distLine struct {
	sum   atomic.Int64
	spill atomic.Pointer[distSpill] // used in lines[1] only: nil until a counter of the octave spills
	taken int64                     // sum at the last collect; guarded by distribution.mu
	pairs [distLineWords]atomic.Uint32
	_     [64 - 8 - 8 - 8 - 4*distLineWords]byte
}

// takeSum returns what was added to the line's sum since the last collect,
// and moves the collect's mark there if reset.
func (l *distLine) takeSum(reset bool) int64 {
	sum := l.sum.Load()
	added := sum - l.taken // wrapping, like the sum
	if reset {
		l.taken = sum
	}
	return added
}

// distChunk holds the counters of the 35 sub-buckets of one octave:
// sub-bucket s is half s>>1&1 of word s>>2 of line s&1. It is 128 B, a size
// class whose objects the Go allocator places 64-byte aligned, so no two
// octaves share a cache line.
type distChunk struct {
	lines [2]distLine
}

// distSpill holds the counts moved out of an octave's 16-bit counters.
type distSpill [bucketSubCount]atomic.Uint64

// counter returns the word holding sub-bucket sub, the shift of its half,
// and the sum beside it.
func (ch *distChunk) counter(sub int) (*atomic.Uint32, uint, *atomic.Int64) {
	line := &ch.lines[sub&1]
	return &line.pairs[sub>>2], uint(sub>>1&1) * 16, &line.sum
}

// spills returns the octave's spill counters, allocating them if needed.
func (ch *distChunk) spills() *distSpill { return loadOrNew(&ch.lines[1].spill) }

// loadOrNew returns *p, first setting it to a new T if it is nil.
// Concurrent callers agree on one T through CAS.
func loadOrNew[T any](p *atomic.Pointer[T]) *T {
	if v := p.Load(); v != nil {
		return v
	}
	if v := new(T); p.CompareAndSwap(nil, v) {
		return v
	}
	return p.Load()
}

// distGroup holds the chunk pointers of 8 consecutive octaves (64 B).
type distGroup [8]atomic.Pointer[distChunk]

// distribution is the lock-free, allocation-free recording engine behind
// histograms and timers: a log-bucketed distribution of int64 values with
// bounded relative error (see BucketBounds), exact count, sum, min and max,
// interval (collect) semantics and cumulative totals.
//
// record uses atomics only: one add on the bucket's 16-bit counter, one add
// on the sum in the same cache line, and loads of the live octaves, min and
// max, with an atomic or when its octave is the interval's first value there
// and a CAS loop only when a new extreme is seen. A collect reads only the
// octaves live in its interval: a histogram whose values spread over many
// octaves costs what it received, not what it ever received. Counters are
// allocated lazily per
// octave (see buckets.go) and never freed; a counter reaching 1<<15 spills
// into the octave's 64-bit spill counters without a lock. collect, peek and
// clear take a mutex, which record never does.
//
// Under concurrent record and collect a value may have its count in one
// interval and its sum, min or max in the next (record updates the counter,
// then the sum, then min and max; collect swaps min and max, then reads each
// octave's sums before it swaps its counters, so an interval's sum only
// contains values counted in it or before), but over all intervals nothing
// is lost or counted twice. An interval's Min and Max are kept within the
// bounds of its first and last non-empty buckets.
//
// The zero value is ready to use. A distribution must not be copied after
// first use. It is 120 B; a latency distribution spanning 1 µs..10 s in
// nanoseconds retains about 3.5 KiB in total (see buckets.go).
type distribution struct {
	groups [8]atomic.Pointer[distGroup] // octave o is at groups[o>>3][o&7]
	min    atomic.Uint64                // interval min, distEncodeMin; 0 when empty
	max    atomic.Uint64                // interval max, distEncodeMax; 0 when empty
	live   atomic.Uint64                // bit o: octave o was recorded into since the last collect

	// spilling counts the spills between their two steps; spillGen counts
	// the finished ones. Readers use them to see each spill whole.
	spilling atomic.Int32
	spillGen atomic.Uint32

	mu       sync.Mutex // serialises readers; guards the totals
	totCount int64      // count of the collected intervals
	totSum   int64      // sum of the collected intervals
}

// record adds v to the distribution.
func (d *distribution) record(v int64) {
	// Values <= 0 are counted as sub-bucket 0 of octave 0, which no
	// positive value uses: its index is the zero bucket's, 0.
	oct, sub := 0, 0
	if v > 0 {
		oct, sub = bucketOf(v)
	}
	ch := d.loadChunk(oct)
	if ch == nil { // the octave's first value
		d.chunk(oct)
		d.record(v)
		return
	}
	// Below, the compiler knows ch is not nil. A nil check would read the
	// chunk's first cache line, which may not be the line the value goes to
	// and which another core may be writing: it cost a third of the time of
	// concurrent records.
	word, shift, sum := ch.counter(sub)
	if n := word.Add(1 << shift); n>>shift&distSpillAt != 0 {
		d.spill(ch, sub, word, shift)
	}
	sum.Add(v)
	// After the counter: a collect that finds the bit reads the count.
	// Before min and max: a collect that finds them set and swaps the bits
	// finds this one (see takeExtremes).
	if bit := uint64(1) << uint(oct); d.live.Load()&bit == 0 {
		d.live.Or(bit)
	}
	if e := distEncodeMin(v); e > d.min.Load() {
		distRaise(&d.min, e)
	}
	if e := distEncodeMax(v); e > d.max.Load() {
		distRaise(&d.max, e)
	}
}

// loadChunk returns the counters of octave oct, or nil if it has none yet.
func (d *distribution) loadChunk(oct int) *distChunk {
	if g := d.groups[oct>>3&7].Load(); g != nil {
		return g[oct&7].Load()
	}
	return nil
}

// distRaise sets *p to e unless it already holds a larger or equal value.
func distRaise(p *atomic.Uint64, e uint64) {
	for {
		old := p.Load()
		if e <= old || p.CompareAndSwap(old, e) {
			return
		}
	}
}

// chunk returns the counters of octave oct (0..63, 0 holding the zero
// bucket), allocating them (and their group) if needed. Concurrent callers agree on one chunk through CAS.
func (d *distribution) chunk(oct int) *distChunk {
	return loadOrNew(&loadOrNew(&d.groups[oct>>3&7])[oct&7])
}

// spill moves distSpillAt counts from the half of word at shift (sub-bucket
// sub of ch) to the octave's spill counters, if that half still holds at
// least distSpillAt: a concurrent spill or collect may have emptied it. It
// never blocks.
func (d *distribution) spill(ch *distChunk, sub int, word *atomic.Uint32, shift uint) {
	d.spilling.Add(1)
	for {
		old := word.Load()
		if old>>shift&distSpillAt == 0 {
			break
		}
		if word.CompareAndSwap(old, old-distSpillAt<<shift) {
			ch.spills()[sub].Add(distSpillAt)
			d.spillGen.Add(1)
			break
		}
	}
	d.spilling.Add(-1)
}

// chunks returns the allocated octave chunks, indexed by octave.
func (d *distribution) chunks() (out [64]*distChunk) {
	for gi := range d.groups {
		if g := d.groups[gi].Load(); g != nil {
			for ci := range g {
				out[gi<<3|ci] = g[ci].Load()
			}
		}
	}
	return out
}

// clear resets the distribution, interval and totals, keeping its allocated
// counters. Values recorded concurrently may or may not survive it.
func (d *distribution) clear() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, ch := range d.chunks() {
		if ch == nil {
			continue
		}
		for l := range ch.lines {
			line := &ch.lines[l]
			line.sum.Store(0)
			line.taken = 0
			for w := range line.pairs {
				line.pairs[w].Store(0)
			}
		}
		if s := ch.lines[1].spill.Load(); s != nil {
			for i := range s {
				s[i].Store(0)
			}
		}
	}
	d.min.Store(0)
	d.max.Store(0)
	d.live.Store(0)
	d.totCount, d.totSum = 0, 0
}
