package postgres

import (
	"fmt"

	"github.com/vitals-go/vitals/metrics"
)

// batch is one flush: its rows, each a series id and the snapshot's
// series, which copyReader encodes as it goes, and, built from them only
// for pointsSQL (see columns and literals), its columns.
type batch struct {
	ids    column[nullInt8]
	series []*metrics.Series // of each row, in the snapshot

	// The columns of pointsSQL, set by columns.
	ints      [numInts]column[nullInt8]
	floats    [numFloats]column[nullFloat8]
	bkts      [][]metrics.Bucket // each row's buckets (nil for NULL), in the snapshot
	columnsOK bool               // the columns hold the rows

	// The bucket_idx and bucket_cnt array literals of pointsSQL, set by
	// literals from bkts.
	buckets [2]column[nullText]
	lits    []byte
	litsOK  bool // buckets holds the literals of bkts

	// Series not known to be stored yet, for the upsert.
	newIDs                                []int64
	newNames, newTags, newKinds, newUnits []string
	newCheck                              []uint64 // check hashes, cached once stored

	rejected int   // series left out
	reason   error // why the first one was
	dupes    []dupe
}

// row is one point's values, before they are appended to the columns.
type row struct {
	ints   [numInts]nullInt8
	floats [numFloats]nullFloat8
}

// dupe is a series left out because another of the same flush had its id:
// the same series twice (same), or a collision.
type dupe struct {
	id   int64
	name string
	same bool
}

// reset empties b for the next flush, keeping its buffers.
func (b *batch) reset() {
	b.ids, b.series = b.ids[:0], b.series[:0]
	b.columnsOK, b.litsOK = false, false
	b.newIDs, b.newNames, b.newTags, b.newKinds, b.newUnits, b.newCheck =
		b.newIDs[:0], b.newNames[:0], b.newTags[:0], b.newKinds[:0], b.newUnits[:0], b.newCheck[:0]
	b.rejected, b.reason, b.dupes = 0, nil, b.dupes[:0]
}

// addRow appends the row of series s, stored under id.
func (b *batch) addRow(id int64, s *metrics.Series) {
	b.ids = append(b.ids, nullInt8{id, true})
	b.series = append(b.series, s)
}

// columns fills the columns with the rows, for pointsSQL.
func (b *batch) columns() {
	if b.columnsOK {
		return
	}
	for c := range b.ints {
		b.ints[c] = b.ints[c][:0]
	}
	for c := range b.floats {
		b.floats[c] = b.floats[c][:0]
	}
	b.bkts = b.bkts[:0]
	for _, s := range b.series {
		var r row
		r.fill(s)
		for c, v := range r.ints {
			b.ints[c] = append(b.ints[c], v)
		}
		for c, v := range r.floats {
			b.floats[c] = append(b.floats[c], v)
		}
		b.bkts = append(b.bkts, pointBuckets(s))
	}
	b.columnsOK = true
}

// fill sets the column values of s, by kind (see "Tables" in the package
// documentation), into r, whose columns are all NULL; the columns that do
// not apply stay so.
//
// The quantiles p50 to p999 of a histogram or timer are written only when it has no buckets (an attached go-metrics histogram).
// With buckets they are NULL, since the buckets, min and max give them
// exactly as the registry computed them (metrics.Distribution.Quantile,
// vitals_quantile in SQL), and readers merge buckets rather than read
// one interval's quantiles: five incompressible float8 fewer per point,
// on disk and in the compact blocks. The mean and the standard deviation
// are kept: readers pool them across intervals.
func (r *row) fill(s *metrics.Series) {
	switch s.Kind {
	case metrics.KindCounter:
		r.ints[colTotal].set(s.Count)
	case metrics.KindGauge, metrics.KindGaugeFloat64:
		r.floats[colValue].set(s.Value)
	case metrics.KindMeter:
		r.ints[colTotal].set(s.Count)
		setRates(r, s.Rates)
	case metrics.KindHistogram, metrics.KindTimer:
		sum := &s.Summary
		r.ints[colTotal].set(s.Count)
		r.ints[colCount].set(sum.Count)
		r.ints[colSum].set(sum.Sum)
		if sum.Count != 0 {
			r.ints[colMin].set(sum.Min)
			r.ints[colMax].set(sum.Max)
			r.floats[colMean].set(sum.Mean)
			r.floats[colStdDev].set(sum.StdDev)
			if len(sum.Buckets) == 0 { // else derived from the buckets, see above
				for c, v := range [...]float64{sum.P50, sum.P75, sum.P95, sum.P99, sum.P999} {
					r.floats[colP50+c].set(v)
				}
			}
		}
		if s.Kind == metrics.KindTimer {
			setRates(r, s.Rates)
		}
	}
}

func setRates(r *row, rates metrics.Rates) {
	for c, v := range [...]float64{rates.Rate1, rates.Rate5, rates.Rate15, rates.Mean} {
		r.floats[colRate1+c].set(v)
	}
}

// pointBuckets returns the buckets of s to store: those of a histogram or
// timer whose interval recorded values, nil (NULL) otherwise.
func pointBuckets(s *metrics.Series) []metrics.Bucket {
	if (s.Kind == metrics.KindHistogram || s.Kind == metrics.KindTimer) &&
		s.Summary.Count != 0 && len(s.Summary.Buckets) > 0 {
		return s.Summary.Buckets
	}
	return nil
}

// pointArgs returns the arguments of pointsSQL after $1, the snapshot time.
func (b *batch) pointArgs() []any {
	b.columns()
	b.literals()
	a := make([]any, 0, 1+numInts+numFloats+2)
	a = append(a, b.ids)
	for c := range b.ints {
		a = append(a, b.ints[c])
	}
	for c := range b.floats {
		a = append(a, b.floats[c])
	}
	return append(a, b.buckets[0], b.buckets[1])
}

// seriesArgs returns the arguments of seriesSQL.
func (b *batch) seriesArgs() []any {
	return []any{b.newIDs, b.newNames, b.newTags, b.newKinds, b.newUnits}
}

// drop takes the rows of the series in ids out of the batch.
func (b *batch) drop(ids map[int64]bool) {
	if len(ids) == 0 {
		return
	}
	keep := 0
	for i, id := range b.ids {
		if ids[id.v] {
			continue
		}
		b.ids[keep], b.series[keep] = id, b.series[i]
		keep++
	}
	clear(b.series[keep:]) // let the snapshot go
	b.ids, b.series = b.ids[:keep], b.series[:keep]
	b.columnsOK, b.litsOK = false, false
}

func (b *batch) reject(reason error) {
	if b.reason == nil {
		b.reason = reason
	}
	b.rejected++
}

// duplicate rejects a series left out because the series before it in id
// order has its id: the same series twice (same), or a collision.
func (b *batch) duplicate(id int64, name string, same bool) {
	if same {
		b.reject(fmt.Errorf("series %q appears twice in the snapshot", name))
	} else {
		b.reject(fmt.Errorf("%w: two series of the snapshot have id %d", errCollision, id))
	}
	b.dupes = append(b.dupes, dupe{id: id, name: name, same: same})
}
