package metrics

import (
	"fmt"
	"math"
	"time"
)

// Snapshot is every exported series of a registry at one instant.
type Snapshot struct {
	Time        time.Time
	DefaultTags []Tag // sorted by key; added by exporters to every series that lacks the key (see AppendTags)
	Series      []Series

	// Seq numbers the registry's intervals: 1 for the snapshot of the first
	// IntervalReader.EndInterval, 2 for the next, and so on, across
	// readers; 0 for Peek and for snapshots built by hand. The exporters'
	// Reporter offers the same Snapshot, Seq included, again when it
	// retries an export, so an exporter tells a retry by a non-zero Seq
	// equal to that of its previous Export. Without a disk spool, a gap
	// means snapshots dropped from a full queue; with one, replayed
	// snapshots come out of order and an earlier process's carry Seqs
	// from 2⁶³ up (see exporters.Exporter).
	Seq uint64
}

// AppendTags appends to dst the tags that series s is exported with, s's
// own tags merged over the snapshot's default tags (see AppendMergedTags),
// and returns the extended slice.
func (snap *Snapshot) AppendTags(dst []Tag, s *Series) []Tag {
	return AppendMergedTags(dst, s.Tags, snap.DefaultTags)
}

// Series is one series' values in a Snapshot. Which fields are set depends
// on Kind:
//
//	counter                  Count
//	gauge, gauge_float64     Value
//	meter                    Count, Rates
//	histogram                Count, Summary
//	timer                    Count, Rates, Summary (in Unit "ns")
type Series struct {
	Name    string
	Tags    []Tag // sorted by key; the registry's default tags are in Snapshot.DefaultTags
	Kind    Kind
	Unit    string  // "ns" for timers, "" otherwise
	Count   int64   // counter: its count; meter, histogram, timer: events since creation
	Value   float64 // gauges: the value
	Rates   Rates
	Summary Summary
}

// Summary describes the values a histogram or timer recorded during one
// snapshot interval. Quantiles are within 1% of the exact values; Buckets
// merge exactly across hosts and intervals (see BucketBounds).
type Summary struct {
	Count                    int64 // values in the interval
	Sum, Min, Max            int64 // exact; Min and Max are 0 when Count is 0
	Mean, StdDev             float64
	P50, P75, P95, P99, P999 float64
	Buckets                  []Bucket // nil for attached go-metrics histograms
}

// summaryQuantiles are the quantiles of a Summary, in ascending order.
var summaryQuantiles = [...]float64{0.5, 0.75, 0.95, 0.99, 0.999}

func summarize(d Distribution) Summary {
	var p [len(summaryQuantiles)]float64
	d.quantilesInto(summaryQuantiles[:], p[:])
	return Summary{
		Count: d.Count, Sum: d.Sum, Min: d.Min, Max: d.Max,
		Mean: d.Mean(), StdDev: d.StdDev(),
		P50: p[0], P75: p[1], P95: p[2], P99: p[3], P999: p[4],
		Buckets: d.Buckets,
	}
}

// Peek reads every series like IntervalReader.EndInterval but leaves the
// interval running, so the next EndInterval still exports everything
// recorded since the previous one. Anyone may call it at any time. Series
// idle for longer than WithIdleExpiry are left out. Its Seq is 0.
func (r *Registry) Peek() Snapshot { return r.read(nil) }

// read reads every series: for reader, which ends the interval, or for a
// Peek when reader is nil.
func (r *Registry) read(reader *IntervalReader) Snapshot {
	r.snapMu.Lock()
	defer r.snapMu.Unlock()
	if reader != nil && r.reader != reader {
		return Snapshot{} // closed
	}
	return r.readLocked(reader != nil)
}

// readLocked reads every series, ending the interval if advance; snapMu is
// held.
func (r *Registry) readLocked(advance bool) Snapshot {
	r.mu.Lock()
	entries, defaults, attached, collectors := r.series, r.defaultTags, r.attached, r.collectors
	r.mu.Unlock()
	for _, collect := range collectors {
		collect()
	}
	now := r.now()
	// Each series is read in place, into the next slot: a Series is 224 B,
	// and copying 100,000 of them took a tenth of a snapshot.
	series := make([]Series, len(entries))
	n := 0
	var buckets bucketArena
	for _, e := range entries {
		if e.removed.Load() {
			continue
		}
		s := &series[n]
		active, ok := r.readEntry(e, s, now, advance, &buckets)
		if ok && r.idleAfter > 0 {
			if active {
				if advance {
					e.lastActive, e.lastCount = now, s.Count
				}
			} else if now.Sub(e.lastActive) >= r.idleAfter {
				ok = false
			}
		}
		if !ok {
			*s = Series{} // the slot is reused
			continue
		}
		n++
	}
	snap := Snapshot{Time: now, DefaultTags: defaults, Series: series[:n]}
	for _, a := range attached {
		snap.Series = a.appendSeries(snap.Series, r)
	}
	if advance {
		r.intervals++
		snap.Seq = r.intervals
	}
	r.logRefusals(now)
	return snap
}

// readEntry reads one series into s, which is zero. active reports whether
// it was updated since the previous EndInterval; ok is false when it cannot be
// exported now (a gauge without a value, a functional gauge that panicked or
// returned NaN).
func (r *Registry) readEntry(e *entry, s *Series, now time.Time, advance bool, buckets *bucketArena) (active, ok bool) {
	s.Name, s.Tags, s.Kind = e.name, e.tags, e.kind
	switch m := e.metric.(type) {
	case *Counter:
		s.Count = m.Count()
		active = s.Count != e.lastCount
	case *Gauge:
		if ok, active = m.read(advance); !ok {
			return false, false // never set
		}
		s.Value = float64(m.Value())
	case *GaugeFloat64:
		if s.Value, active, ok = m.read(advance); !ok {
			return false, false // never given a valid value
		}
	case *FunctionalGauge:
		v, err := callGauge(m.value)
		if err != nil {
			r.logger.Error("metrics: functional gauge failed; not exported this time", "name", e.name, "error", err)
			return false, false
		}
		s.Value, active = float64(v), true
	case *FunctionalGaugeFloat64:
		v, err := callGauge(m.value)
		if err != nil {
			r.logger.Error("metrics: functional gauge failed; not exported this time", "name", e.name, "error", err)
			return false, false
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			r.stats.refuseValue(e, e.kind, e.name, e.tags, refusedFloat(v), now)
			return false, false
		}
		s.Value, active = v, true
	case *Meter:
		s.Count = m.Count()
		s.Rates = m.ewma.rates(now, s.Count)
		active = s.Count != e.lastCount
	case *Histogram:
		d := buckets.read(&m.dist, advance)
		s.Count, s.Summary = d.TotalCount, summarize(d)
		active = d.Count > 0
	case *Timer:
		d := buckets.read(&m.dist, advance)
		s.Count, s.Summary, s.Unit = d.TotalCount, summarize(d), "ns"
		s.Rates = m.ewma.rates(now, s.Count)
		active = d.Count > 0
	}
	return active, true
}

// bucketArena gives the buckets of one snapshot's distributions a few large
// allocations instead of some per histogram: a snapshot of 30,000 histograms
// otherwise spends much of its time allocating and collecting them.
type bucketArena struct {
	scratch []Bucket // where each distribution's buckets are built, reused
	free    []Bucket // the unused rest of the current block
}

// arenaBlock is how many buckets an arena allocates at a time (64 KiB).
const arenaBlock = 4096

// read collects d (or peeks at it unless advance) with its buckets in the
// arena.
func (a *bucketArena) read(d *distribution, advance bool) Distribution {
	dist := d.readInto(advance, a.scratch)
	if n := len(dist.Buckets); n > 0 {
		a.scratch = dist.Buckets[:0] // keep what it grew to
		if n > len(a.free) {
			a.free = make([]Bucket, max(n, arenaBlock))
		}
		kept := a.free[:n:n] // capped: an append by a reader cannot reach the next series
		copy(kept, dist.Buckets)
		a.free = a.free[n:]
		dist.Buckets = kept
	}
	return dist
}

// callGauge calls a user's gauge function, turning a panic into an error so
// that one bad function cannot take down the snapshot or the service.
func callGauge[T int64 | float64](f func() T) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return f(), nil
}
