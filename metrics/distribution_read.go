package metrics

import (
	"iter"
	"math/bits"
	"runtime"
	"sync/atomic"
)

// collect returns the distribution of the values recorded since the previous
// collect (or creation, or clear), resets the interval, and adds it to the
// totals.
func (d *distribution) collect() Distribution { return d.readInto(true, nil) }

// peek returns what collect would return, without resetting the interval or
// changing the totals.
func (d *distribution) peek() Distribution { return d.readInto(false, nil) }

// totalCount returns the cumulative count since creation or clear, including
// the current interval.
func (d *distribution) totalCount() int64 { return d.peek().TotalCount }

// totalSum returns the cumulative sum since creation or clear, including the
// current interval.
func (d *distribution) totalSum() int64 { return d.peek().TotalSum }

// readInto is collect (reset) or peek, building the buckets in buf's
// backing array when it is large enough.
//
// A spill moves counts from a counter to the spill counters in two steps
// (see spill). collect swaps every counter to zero, waits for the spills in
// flight to finish, then swaps the spill counters: a spill that took counts
// this collect did not swap is finished by then, and one that took counts
// after the swap only moves counts of the next interval into this one. peek
// cannot swap, so it reads again when a spill ran during its reading (see
// peekSettled).
func (d *distribution) readInto(reset bool, buf []Bucket) Distribution {
	d.mu.Lock()
	defer d.mu.Unlock()
	if reset {
		return d.read(true, buf)
	}
	// An unsettled read is still the best answer there is: off by at most
	// a few spills' counts in buckets of tens of thousands.
	dist, _ := d.peekSettled(buf)
	return dist
}

// maxPeekTries bounds how many times peekSettled tries to read the
// interval while no spill runs.
const maxPeekTries = 100

// peekSettled reads the interval without resetting it, trying again while a
// spill runs during the reading, and reports whether one read ran alone
// (settled). A read that a spill ran across may count the spill's
// distSpillAt values twice (it read the counter before the spill took them,
// and the spill counters after they were added) or miss them (the other way
// round). A spill takes two atomic operations and happens once per 32,768
// records of one bucket, so the second try almost always settles; the bound
// matters when records into one bucket spill without pause, or a spill's
// goroutine is descheduled between its two steps. After maxPeekTries tries,
// yielding the processor between them, it returns an unsettled read rather
// than wait longer. d.mu is held.
func (d *distribution) peekSettled(buf []Bucket) (dist Distribution, settled bool) {
	for try := 1; ; try++ {
		last := try == maxPeekTries
		gen := d.spillGen.Load()
		if d.spilling.Load() == 0 || last { // else the read would be disturbed
			dist = d.read(false, buf)
			if d.spilling.Load() == 0 && d.spillGen.Load() == gen {
				return dist, true
			}
			if last {
				return dist, false
			}
		}
		runtime.Gosched()
	}
}

// read reads the interval once, and resets it if reset; d.mu is held.
func (d *distribution) read(reset bool, buf []Bucket) Distribution {
	// Nothing recorded since the last collect: min and max are set by every
	// record, after its counter and sum, so a record still in flight is
	// simply left whole for the next interval.
	if d.min.Load() == 0 && d.max.Load() == 0 {
		return Distribution{TotalCount: d.totCount, TotalSum: d.totSum}
	}
	minE, maxE, live := d.takeExtremes(reset)
	sum := d.takeSums(live, reset)
	buckets := d.takeCounters(buf[:0], live, reset)
	if reset {
		d.waitForSpills()
	}
	if spilled := d.takeSpills(live, reset); spilled != nil {
		buckets = mergeBuckets(buckets, spilled)
	}
	return d.interval(buckets, sum, minE, maxE, reset)
}

// takeExtremes returns the interval's encoded min and max and its live
// octaves, swapping them to zero if reset. The live octaves are taken after
// min and max: a record sets its octave's bit before it raises them, so a
// record whose extremes this read took has its bit in live, and one whose
// bit it missed leaves min or max set for the next collect, which reads its
// octave then.
func (d *distribution) takeExtremes(reset bool) (minE, maxE, live uint64) {
	if reset {
		minE, maxE = d.min.Swap(0), d.max.Swap(0)
		return minE, maxE, d.live.Swap(0)
	}
	return d.min.Load(), d.max.Load(), d.live.Load()
}

// takeSums returns the sum of the values added to the live octaves since
// the last collect. The sums of every live octave are read before any of
// its counters: their loads do not depend on each other, so the processor
// fetches the lines of several octaves at once, where reading octave by
// octave waited for each in turn (a snapshot reads most of its histograms
// from memory).
func (d *distribution) takeSums(live uint64, reset bool) (sum int64) {
	for _, ch := range d.liveChunks(live) {
		sum += ch.lines[0].takeSum(reset) + ch.lines[1].takeSum(reset)
	}
	return sum
}

// takeCounters appends the non-zero counters of the live octaves to
// buckets, in ascending index order, swapping them to zero if reset.
func (d *distribution) takeCounters(buckets []Bucket, live uint64, reset bool) []Bucket {
	for oct, ch := range d.liveChunks(live) {
		base := int32(oct * bucketSubCount)
		for w := range distLineWords {
			// Word w of line l holds sub-buckets 4w+l (low half) and
			// 4w+2+l (high half): read both lines' words, then append
			// their counters in ascending order.
			a, b := take32(&ch.lines[0].pairs[w], reset), take32(&ch.lines[1].pairs[w], reset)
			if a|b == 0 {
				continue
			}
			index := base + int32(4*w)
			buckets = appendCount(buckets, index, a&distHalfMask)
			buckets = appendCount(buckets, index+1, b&distHalfMask)
			buckets = appendCount(buckets, index+2, a>>16)
			buckets = appendCount(buckets, index+3, b>>16)
		}
	}
	return buckets
}

// waitForSpills waits until no spill is between its two steps. It has no
// bound, because a collect that went on would lose the counts such a spill
// took from a counter; but a spill never blocks, so the wait ends as soon
// as its goroutine runs again.
func (d *distribution) waitForSpills() {
	for d.spilling.Load() != 0 {
		runtime.Gosched()
	}
}

// takeSpills returns the non-zero spill counters of the live octaves as
// buckets in ascending index order, or nil, swapping them to zero if reset.
func (d *distribution) takeSpills(live uint64, reset bool) (spilled []Bucket) {
	for oct, ch := range d.liveChunks(live) {
		if s := ch.lines[1].spill.Load(); s != nil {
			for sub := range s {
				if n := take64(&s[sub], reset); n != 0 {
					spilled = append(spilled, Bucket{Index: int32(oct*bucketSubCount + sub), Count: n})
				}
			}
		}
	}
	return spilled
}

// interval returns the Distribution of the buckets read, their sum and the
// encoded extremes, and adds them to the totals if reset.
func (d *distribution) interval(buckets []Bucket, sum int64, minE, maxE uint64, reset bool) Distribution {
	var count uint64
	for _, b := range buckets {
		count += b.Count
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
		// With one bucket, extremes swapped out before a record raised
		// them (unset, or another interval's) clamp to its two ends the
		// wrong way round.
		if r.Min > r.Max {
			r.Min, r.Max = r.Max, r.Min
		}
	}
	return r
}

// liveChunks yields the octaves whose bits are set in live, in ascending
// order, with their chunks. A bit is only set once its chunk exists.
func (d *distribution) liveChunks(live uint64) iter.Seq2[int, *distChunk] {
	return func(yield func(int, *distChunk) bool) {
		for ; live != 0; live &= live - 1 {
			oct := bits.TrailingZeros64(live)
			if ch := d.loadChunk(oct); ch != nil && !yield(oct, ch) {
				return
			}
		}
	}
}

// take32 returns *w, swapping it to zero if reset.
func take32(w *atomic.Uint32, reset bool) uint32 {
	v := w.Load()
	if reset && v != 0 { // most counters are zero: skip the locked swap
		v = w.Swap(0)
	}
	return v
}

// take64 returns *w, swapping it to zero if reset.
func take64(w *atomic.Uint64, reset bool) uint64 {
	v := w.Load()
	if reset && v != 0 {
		v = w.Swap(0)
	}
	return v
}

// appendCount appends bucket index with count n, unless n is zero.
func appendCount(buckets []Bucket, index int32, n uint32) []Bucket {
	if n == 0 {
		return buckets
	}
	return append(buckets, Bucket{Index: index, Count: uint64(n)})
}
