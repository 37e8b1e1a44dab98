package console

import (
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// history remembers the previous snapshot's time and the counts of its
// counters and meters, so that the text format can say how much each grew
// in the interval. It holds the series of one snapshot: those that left
// are forgotten at the next.
type history struct {
	time   time.Time        // of the previous snapshot; zero before the first
	counts map[string]*seen // by seriesKey
	gen    uint32           // counts this snapshot
	key    []byte           // scratch for seriesKey
}

// seen is a series' count at the last snapshot that held it.
type seen struct {
	count int64
	gen   uint32
}

// begin starts the snapshot taken at t and returns the interval since the
// previous one: 0 when there was none or t is not after it.
func (h *history) begin(t time.Time) time.Duration {
	var interval time.Duration
	if !h.time.IsZero() && t.After(h.time) {
		interval = t.Sub(h.time)
	}
	h.time = t
	h.gen++
	if h.counts == nil {
		h.counts = map[string]*seen{}
	}
	return interval
}

// delta records s's count and returns how much it changed since the
// previous snapshot; ok is false when that snapshot did not hold s. A
// series that stays costs no allocation.
func (h *history) delta(s *metrics.Series) (d int64, ok bool) {
	h.key = seriesKey(h.key[:0], s)
	p := h.counts[string(h.key)]
	if p == nil {
		p = &seen{}
		h.counts[string(h.key)] = p
	} else if p.gen == h.gen-1 {
		d, ok = s.Count-p.count, true
	}
	p.count, p.gen = s.Count, h.gen
	return d, ok
}

// end forgets the series the snapshot begun last did not hold.
func (h *history) end() {
	for k, p := range h.counts {
		if p.gen != h.gen {
			delete(h.counts, k)
		}
	}
}

// seriesKey appends a key that tells s from every other series of a
// snapshot: names and tags hold no NUL.
func seriesKey(dst []byte, s *metrics.Series) []byte {
	dst = append(dst, s.Name...)
	for _, t := range s.Tags {
		dst = append(append(append(append(dst, 0), t.Key...), 0), t.Value...)
	}
	return dst
}
