package metrics

// Merger adds distributions up into one, as if their values had been
// recorded into one histogram: the distributions of several hosts, or of
// the intervals of a day. Count, Sum and the totals add, Min is the
// smallest Min and Max the largest Max of the non-empty distributions, and
// the counts of equal bucket indexes add, exactly as Distribution.Merge
// does; but where folding n distributions with Merge copies the buckets
// merged so far n times, Merger counts each bucket once, into a table of
// every bucket index (17.5 KiB, allocated by the first Add with buckets).
//
// The zero value is an empty Merger, ready to use. It is not safe for
// concurrent use.
type Merger struct {
	d      Distribution                // the scalars merged so far; no buckets
	counts *[bucketMaxIndex + 1]uint64 // by bucket index
	lo, hi int32                       // the lowest and highest index counted into
}

// Add merges d into m. A bucket index outside 0..2239 (never produced by
// this package) is counted in the nearest valid bucket, whose
// representative Quantile uses for it anyway.
func (m *Merger) Add(d Distribution) {
	m.d = m.d.Merge(Distribution{Count: d.Count, Sum: d.Sum, Min: d.Min, Max: d.Max,
		TotalCount: d.TotalCount, TotalSum: d.TotalSum})
	if len(d.Buckets) == 0 {
		return
	}
	if m.counts == nil {
		m.counts = new([bucketMaxIndex + 1]uint64)
		m.lo, m.hi = bucketMaxIndex, 0
	}
	for _, b := range d.Buckets {
		i := min(max(b.Index, 0), bucketMaxIndex)
		m.counts[i] += b.Count
		m.lo, m.hi = min(m.lo, i), max(m.hi, i)
	}
}

// Distribution returns the merge of every distribution added so far, its
// buckets in ascending index order. Later calls of Add do not change it.
func (m *Merger) Distribution() Distribution {
	d := m.d
	if m.counts == nil {
		return d
	}
	for i := m.lo; i <= m.hi; i++ {
		if n := m.counts[i]; n != 0 {
			d.Buckets = append(d.Buckets, Bucket{Index: i, Count: n})
		}
	}
	return d
}
