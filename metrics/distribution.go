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
	var n uint64
	for _, b := range d.Buckets {
		n += b.Count
	}
	if n == 0 {
		return 0
	}
	if !(q > 0) { // also NaN
		return float64(d.Min)
	}
	if q >= 1 {
		return float64(d.Max)
	}
	rank := uint64(math.Ceil(q * float64(n)))
	if rank < 1 {
		rank = 1
	} else if rank > n {
		rank = n
	}
	var seen uint64
	idx := d.Buckets[len(d.Buckets)-1].Index
	for _, b := range d.Buckets {
		seen += b.Count
		if seen >= rank {
			idx = b.Index
			break
		}
	}
	return d.clampValue(bucketRepresentative(idx))
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
	a, b := d.Buckets, o.Buckets
	if len(a)+len(b) == 0 {
		return r
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
	r.Buckets = append(m, b...)
	return r
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

// distChunk holds the counters of the 35 sub-buckets of one octave
// (140 B, allocated in the 144 B size class).
type distChunk [bucketSubCount]atomic.Uint32

// distGroup holds the chunk pointers of 8 consecutive octaves (64 B).
type distGroup [8]atomic.Pointer[distChunk]

// distOverflowAt is the value of a bucket counter at which 1<<31 counts are
// moved from it to the overflow map, so that uint32 counters never wrap.
const distOverflowAt = 1 << 31

// distribution is the lock-free, allocation-free recording engine behind
// histograms and timers: a log-bucketed distribution of int64 values with
// bounded relative error (see BucketBounds), exact count, sum, min and max,
// interval (collect) semantics and cumulative totals.
//
// record uses atomics only: one add on the bucket counter, one add on the
// interval sum, and loads of min and max, with a CAS loop only when a new
// extreme is seen. Counters are uint32, allocated lazily per octave
// (see buckets.go) and never freed; a counter reaching 1<<31 spills 1<<31
// into a mutex-protected overflow map. collect, peek, clear, totalCount and
// totalSum take a mutex.
//
// Under concurrent record and collect a value may have its count in one
// interval and its sum, min or max in the next (record updates the bucket,
// then the sum, then min and max; collect swaps min and max, then the sum,
// then the buckets, so an interval's sum only contains values counted in it
// or before), but over all intervals nothing is lost or counted twice. An
// interval's Min and Max are kept within the bounds of its first and last
// non-empty buckets.
//
// The zero value is ready to use. A distribution must not be copied after
// first use. It is 128 B; a latency distribution spanning 1 µs..10 s in
// nanoseconds retains under 4 KiB in total.
type distribution struct {
	groups [8]atomic.Pointer[distGroup] // octave o is at groups[o>>3][o&7]
	sum    atomic.Int64                 // interval sum
	min    atomic.Uint64                // interval min, distEncodeMin; 0 when empty
	max    atomic.Uint64                // interval max, distEncodeMax; 0 when empty
	zero   atomic.Uint32                // counter of the zero bucket (v <= 0)

	mu       sync.Mutex       // guards the fields below, and serialises readers
	overflow map[int32]uint64 // bucket index -> counts spilled from its counter
	totCount int64            // count of the collected intervals
	totSum   int64            // sum of the collected intervals
}

// record adds v to the distribution.
func (d *distribution) record(v int64) {
	var c *atomic.Uint32
	if v > 0 {
		oct, sub := bucketOf(v)
		var ch *distChunk
		if g := d.groups[oct>>3&7].Load(); g != nil {
			ch = g[oct&7].Load()
		}
		if ch == nil {
			ch = d.chunk(oct)
		}
		c = &ch[sub]
		if c.Add(1) == distOverflowAt {
			d.spill(c, int32(oct*bucketSubCount+sub))
		}
	} else {
		c = &d.zero
		if c.Add(1) == distOverflowAt {
			d.spill(c, 0)
		}
	}
	d.sum.Add(v)
	if e := distEncodeMin(v); e > d.min.Load() {
		distRaise(&d.min, e)
	}
	if e := distEncodeMax(v); e > d.max.Load() {
		distRaise(&d.max, e)
	}
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

// chunk returns the counters of octave oct (1..63), allocating them (and their
// group) if needed. Concurrent callers agree on one chunk through CAS.
func (d *distribution) chunk(oct int) *distChunk {
	gp := &d.groups[oct>>3&7]
	g := gp.Load()
	if g == nil {
		g = new(distGroup)
		if !gp.CompareAndSwap(nil, g) {
			g = gp.Load()
		}
	}
	cp := &g[oct&7]
	ch := cp.Load()
	if ch == nil {
		ch = new(distChunk)
		if !cp.CompareAndSwap(nil, ch) {
			ch = cp.Load()
		}
	}
	return ch
}

// spill moves distOverflowAt counts from the counter c of bucket index to the
// overflow map. It is called by the one record whose increment made c reach
// distOverflowAt. If a collect or clear harvested the counter in the meantime,
// the counter is below distOverflowAt and there is nothing to move (should it
// have reached distOverflowAt again, either spill moves it once, and the other
// finds nothing to move).
func (d *distribution) spill(c *atomic.Uint32, index int32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for {
		old := c.Load()
		if old < distOverflowAt {
			return
		}
		if c.CompareAndSwap(old, old-distOverflowAt) {
			if d.overflow == nil {
				d.overflow = make(map[int32]uint64)
			}
			d.overflow[index] += distOverflowAt
			return
		}
	}
}

// collect returns the distribution of the values recorded since the previous
// collect (or creation, or clear), resets the interval, and adds it to the
// totals.
func (d *distribution) collect() Distribution {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.read(true)
}

// peek returns what collect would return, without resetting the interval or
// changing the totals.
func (d *distribution) peek() Distribution {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.read(false)
}

// read implements collect (reset) and peek. d.mu must be held.
func (d *distribution) read(reset bool) Distribution {
	// Nothing recorded since the last collect: min and max are set by every
	// record, after its bucket and sum, so a record still in flight is
	// simply left whole for the next interval.
	if d.min.Load() == 0 && d.max.Load() == 0 {
		return Distribution{TotalCount: d.totCount, TotalSum: d.totSum}
	}
	var minE, maxE uint64
	var sum int64
	if reset {
		minE, maxE, sum = d.min.Swap(0), d.max.Swap(0), d.sum.Swap(0)
	} else {
		minE, maxE, sum = d.min.Load(), d.max.Load(), d.sum.Load()
	}

	var chunks [64]*distChunk
	for oct := range chunks {
		if g := d.groups[oct>>3].Load(); g != nil {
			chunks[oct] = g[oct&7].Load()
		}
	}

	buckets := make([]Bucket, 0, 16)
	var count uint64
	take := func(c *atomic.Uint32, index int32) {
		v := uint64(c.Load())
		if reset && v != 0 { // most counters are zero: skip the locked swap
			v = uint64(c.Swap(0))
		}
		if d.overflow != nil {
			v += d.overflow[index]
		}
		if v != 0 {
			buckets = append(buckets, Bucket{Index: index, Count: v})
			count += v
		}
	}
	take(&d.zero, 0)
	for oct, ch := range chunks {
		if ch == nil {
			continue
		}
		base := int32(oct * bucketSubCount)
		for i := range ch {
			// Most counters are zero: keep their test tight. A zero counter
			// may still have an overflow entry only while it is being spilled
			// (see spill), so overflow is checked for every index.
			if ch[i].Load() != 0 || d.overflow != nil {
				take(&ch[i], base+int32(i))
			}
		}
	}
	if reset {
		d.overflow = nil
	}

	r := Distribution{
		Count:      int64(count),
		Sum:        sum,
		TotalCount: d.totCount + int64(count),
		TotalSum:   d.totSum + sum,
	}
	if reset {
		d.totCount, d.totSum = r.TotalCount, r.TotalSum
	}
	if count > 0 {
		r.Buckets = buckets
		// Keep the extremes within the first and last non-empty buckets:
		// under concurrent collects they may belong to values counted in
		// another interval.
		firstLo, firstHi := bucketIntRange(buckets[0].Index)
		lastLo, lastHi := bucketIntRange(buckets[len(buckets)-1].Index)
		r.Min = min(max(distDecodeMin(minE), firstLo), firstHi)
		r.Max = min(max(distDecodeMax(maxE), lastLo), lastHi)
	}
	return r
}

// eachChunk calls f for every allocated octave chunk, in ascending octave
// order.
func (d *distribution) eachChunk(f func(oct int, ch *distChunk)) {
	for gi := range d.groups {
		g := d.groups[gi].Load()
		if g == nil {
			continue
		}
		for ci := range g {
			if ch := g[ci].Load(); ch != nil {
				f(gi<<3|ci, ch)
			}
		}
	}
}

// totalCount returns the cumulative count since creation or clear, including
// the current interval.
func (d *distribution) totalCount() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	var n uint64
	for _, c := range d.overflow {
		n += c
	}
	n += uint64(d.zero.Load())
	d.eachChunk(func(_ int, ch *distChunk) {
		for i := range ch {
			n += uint64(ch[i].Load())
		}
	})
	return d.totCount + int64(n)
}

// totalSum returns the cumulative sum since creation or clear, including the
// current interval.
func (d *distribution) totalSum() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.totSum + d.sum.Load()
}

// clear resets the distribution, interval and totals, keeping its allocated
// counters. Values recorded concurrently may or may not survive it.
func (d *distribution) clear() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.zero.Store(0)
	d.eachChunk(func(_ int, ch *distChunk) {
		for i := range ch {
			ch[i].Store(0)
		}
	})
	d.overflow = nil
	d.sum.Store(0)
	d.min.Store(0)
	d.max.Store(0)
	d.totCount, d.totSum = 0, 0
}

// setCounterForTest sets the counter of the bucket holding v to c, bypassing
// sum, min and max, so that tests can reach the overflow path.
func (d *distribution) setCounterForTest(v int64, c uint32) *atomic.Uint32 {
	p := &d.zero
	if v > 0 {
		oct, sub := bucketOf(v)
		p = &d.chunk(oct)[sub]
	}
	p.Store(c)
	return p
}
