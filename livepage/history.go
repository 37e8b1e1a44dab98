package livepage

import (
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// maxSlots bounds the snapshots a history holds, whatever Window and
// Interval: 720 is two hours at the default interval.
const maxSlots = 720

// history is a bounded ring of recent snapshots: one slot per snapshot in
// times and dts, and one column per line of each series (see series) with
// the same slots. It holds the snapshots of the last window, at most
// len(times) of them, and at most maxSeries series; a series that no held
// snapshot has is forgotten.
type history struct {
	window    int64 // ms
	interval  int64 // ms: the dt of the first snapshot, whose series have no rate
	maxSeries int

	mu      sync.RWMutex
	times   []int64 // per slot: the snapshot's time, unix ms
	dts     []int64 // per slot: ms since the snapshot before
	start   int     // the slot of the oldest snapshot
	n       int     // snapshots held
	seq     uint64  // the newest snapshot's number, from 1; the oldest's is seq-n+1
	base    uint64  // the number of the first snapshot since the history (re)started, which begins its first heatmap column
	epoch   uint64  // names this history among those of other runs (see newEpoch)
	byID    map[string]*series
	list    []*series // sorted by id
	order   []*series // by position in the last snapshot: nil for a series not kept
	spare   []*series // the order before, reused
	dropped int       // series of the last snapshot not kept, for maxSeries
	key     []byte    // scratch for appendID
	changed chan struct{}
}

// newHistory returns an empty history of window, for snapshots every
// interval, of at most maxSeries series.
func newHistory(window, interval time.Duration, maxSeries int) *history {
	slots := int(min(max((window+interval-1)/interval, 2), maxSlots))
	return &history{
		window:    window.Milliseconds(),
		interval:  interval.Milliseconds(),
		maxSeries: maxSeries,
		times:     make([]int64, slots),
		dts:       make([]int64, slots),
		base:      1,
		epoch:     newEpoch(),
		byID:      map[string]*series{},
		changed:   make(chan struct{}),
	}
}

// newEpoch returns a random number that names a history, so that a page
// can tell a history from that of another run of the process, whose seq
// starts again at 1: at most 2^53, a number exact in JavaScript, and not 0.
func newEpoch() uint64 { return 1 + rand.Uint64N(1<<53) }

// slot returns the slot of the p-th snapshot held, 0 being the oldest.
func (h *history) slot(p int) int { return (h.start + p) % len(h.times) }

// column is where a snapshot's heatmap bands go: the index in a series'
// bands of its column, and whether it is the column's first snapshot.
type column struct {
	at    int
	first bool
}

// columns returns the length of a series' bands: enough for every column
// that has its first snapshot held. A column whose first snapshot left the
// history is not shown, and its bands are reused.
func (h *history) columns() int { return (len(h.times) + columnSpan - 1) / columnSpan }

// column returns the column of the snapshot seq: columnSpan snapshots
// each, counted from the history's base.
func (h *history) column(seq uint64) column {
	i := seq - h.base
	return column{at: int(i/columnSpan) % h.columns(), first: i%columnSpan == 0}
}

// observe adds snap as the newest snapshot. A snapshot whose time is not
// after the newest one's (the wall clock stepped back) starts the history
// again, as a restarted process would, with a new epoch: what is held is
// dropped, and pages get the new history whole. Rates over the step would
// be wrong, by as much as the interval over the 1 ms that times must
// increase by.
func (h *history) observe(snap *metrics.Snapshot) {
	t := snap.Time.UnixMilli()
	if snap.Time.IsZero() {
		t = time.Now().UnixMilli()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	dt := h.interval
	if h.n > 0 {
		newest := h.times[h.slot(h.n-1)]
		if t > newest {
			dt = t - newest
		} else {
			h.n, h.epoch, h.base = 0, newEpoch(), h.seq+1 // forget drops every series
		}
	}
	if h.n == len(h.times) {
		h.start, h.n = h.slot(1), h.n-1
	}
	for h.n > 0 && h.times[h.start] <= t-h.window {
		h.start, h.n = h.slot(1), h.n-1
	}
	h.forget()
	slot := h.slot(h.n)
	h.n++
	h.seq++
	h.times[slot], h.dts[slot] = t, dt
	col := h.column(h.seq)

	h.dropped = 0
	next := h.spare[:0]
	for i := range snap.Series {
		s := &snap.Series[i]
		ser := h.find(i, s)
		next = append(next, ser)
		if ser != nil && ser.lastSeq != h.seq { // a second series of the same id is left out
			ser.record(slot, col, s, h.seq, t)
		}
	}
	h.spare, h.order = h.order, next
	clear(h.spare)
	for _, ser := range h.list {
		if ser.lastSeq != h.seq {
			ser.clear(slot, col)
		}
	}

	close(h.changed)
	h.changed = make(chan struct{})
}

// forget drops the series that no held snapshot has, before a snapshot
// is added, so that new series can take their place.
func (h *history) forget() {
	oldest := h.seq - uint64(h.n) + 1
	kept := h.list[:0]
	for _, ser := range h.list {
		if ser.lastSeq < oldest {
			delete(h.byID, ser.id)
			continue
		}
		kept = append(kept, ser)
	}
	if len(kept) < len(h.list) {
		clear(h.list[len(kept):])
		h.list = kept
		clear(h.order) // it may hold a forgotten series
		h.order = h.order[:0]
	}
}

// find returns the history of s, the i-th series of a snapshot, creating
// it if there is room; nil if there is none, or if another kind of series
// has the same id.
func (h *history) find(i int, s *metrics.Series) *series {
	if i < len(h.order) {
		if ser := h.order[i]; ser != nil && ser.matches(s) {
			return ser // the common case: the same series as last time
		}
	}
	h.key = appendID(h.key[:0], s.Name, s.Tags)
	if ser, ok := h.byID[string(h.key)]; ok {
		if ser.kind != s.Kind {
			return nil
		}
		return ser
	}
	if len(h.byID) >= h.maxSeries {
		h.dropped++
		return nil
	}
	ser := newSeries(string(h.key), s, len(h.times), h.columns(), h.seq)
	h.byID[ser.id] = ser
	at, _ := slices.BinarySearchFunc(h.list, ser.id, func(e *series, id string) int { return strings.Compare(e.id, id) })
	h.list = slices.Insert(h.list, at, ser)
	return ser
}

// wait returns a channel closed by the next observe.
func (h *history) wait() <-chan struct{} {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.changed
}

// newest returns the newest snapshot's number, 0 when there is none, and
// the history's epoch.
func (h *history) newest() (seq, epoch uint64) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.seq, h.epoch
}

// span returns how much history is kept: the window, or less when
// maxSlots snapshots at the interval do not fill it.
func (h *history) span() int64 {
	return min(h.window, int64(len(h.times))*h.interval)
}

// view is a copy of part of the history, to be encoded without its lock.
type view struct {
	seq     uint64 // the newest snapshot's number
	epoch   uint64 // the history's
	first   int    // the position in the history of the first snapshot of the view
	full    bool   // the whole history, not only what followed since
	times   []int64
	dts     []int64
	series  []seriesView
	dropped int
}

// seriesView is the columns of one series in a view, aligned with its
// times.
type seriesView struct {
	ser              *series // only its immutable fields may be read
	vals             []float32
	counts, p50, p99 []uint16
}

// query is what a page asks for: the snapshots after seq of the history
// epoch, or all of them.
type query struct {
	seq   uint64
	epoch uint64 // 0 when not given
	all   bool
}

// rangeOf returns the position of the first snapshot held after q.seq, or
// of the oldest when q.all is set or q is of another history (another
// epoch, or a seq newer than anything held: a page of a previous run of
// the process), and whether that is the whole history. The lock is held.
func (h *history) rangeOf(q query) (first int, full bool) {
	oldest := h.seq - uint64(h.n) + 1
	if q.all || q.seq > h.seq || (q.epoch != 0 && q.epoch != h.epoch) {
		return 0, true
	}
	if q.seq < oldest {
		return 0, false
	}
	return int(q.seq + 1 - oldest), false
}

// read copies the snapshots held that q asks for and the series that have
// a value in them.
func (h *history) read(q query) view {
	h.mu.RLock()
	defer h.mu.RUnlock()
	first, full := h.rangeOf(q)
	k := h.n - first
	v := view{seq: h.seq, epoch: h.epoch, first: first, full: full, dropped: h.dropped}
	v.times = copyRing(make([]int64, k), h.times, h.slot(first))
	v.dts = copyRing(make([]int64, k), h.dts, h.slot(first))
	if k == 0 {
		return v
	}
	fromSeq := h.seq - uint64(k) + 1
	nScalar, nDist := 0, 0
	for _, ser := range h.list {
		switch {
		case ser.lastSeq < fromSeq:
		case ser.counts != nil:
			nDist++
		default:
			nScalar++
		}
	}
	vals := make([]float32, nScalar*k)
	codes := make([]uint16, 3*nDist*k)
	v.series = make([]seriesView, 0, nScalar+nDist)
	from := h.slot(first)
	for _, ser := range h.list {
		if ser.lastSeq < fromSeq {
			continue
		}
		sv := seriesView{ser: ser}
		if ser.counts != nil {
			sv.counts = copyRing(codes[:k:k], ser.counts, from)
			sv.p50 = copyRing(codes[k:2*k:2*k], ser.p50, from)
			sv.p99 = copyRing(codes[2*k:3*k:3*k], ser.p99, from)
			codes = codes[3*k:]
		} else {
			sv.vals = copyRing(vals[:k:k], ser.vals, from)
			vals = vals[k:]
		}
		v.series = append(v.series, sv)
	}
	return v
}

// copyRing fills dst with the len(dst) elements of ring that start at
// slot from, wrapping around its end, and returns dst.
func copyRing[T any](dst, ring []T, from int) []T {
	n := copy(dst, ring[from:])
	copy(dst[n:], ring)
	return dst
}

// heatmap is the bands of one series over the history, per column of
// columnSpan snapshots (see bandCounts).
type heatmap struct {
	times  []int64     // per column: the time of its newest snapshot, unix ms
	starts []int64     // per column: the time of the snapshot before its first, where its intervals begin
	bounds []float64   // the lower bound of each band; empty before the series had values
	counts [][]float64 // per column, the approximate count of each band; nil where the series had no value or bounds are empty
}

// heatmap returns the heatmap of the series id, false if there is no such
// series, and a nil heatmap if it is not a histogram or timer. Its columns
// are those whose first snapshot is held; the newest may have fewer than
// columnSpan snapshots so far.
func (h *history) heatmap(id string) (*heatmap, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	ser, ok := h.byID[id]
	if !ok {
		return nil, false
	}
	if ser.counts == nil {
		return nil, true
	}
	oldest := h.seq - uint64(h.n) + 1
	skip := int((columnSpan - (oldest-h.base)%columnSpan) % columnSpan) // the snapshots of a column begun before the oldest
	cols := max(h.n-skip+columnSpan-1, 0) / columnSpan
	hm := &heatmap{times: make([]int64, cols), starts: make([]int64, cols), bounds: []float64{}, counts: make([][]float64, cols)}
	if ser.bandBase > 0 {
		hm.bounds = bandBounds(ser.bandBase)
	}
	cells := make([]float64, cols*bandCount)
	for c := range cols {
		p := skip + c*columnSpan
		end := min(p+columnSpan, h.n)
		first := h.slot(p)
		hm.starts[c], hm.times[c] = h.times[first]-h.dts[first], h.times[h.slot(end-1)]
		var total float64
		had := false
		for q := p; q < end; q++ {
			n, ok := decodeCount(ser.counts[h.slot(q)])
			total, had = total+n, had || ok
		}
		if !had || ser.bandBase == 0 {
			continue
		}
		bands := ser.bands[h.column(oldest+uint64(p)).at]
		row := cells[c*bandCount : (c+1)*bandCount : (c+1)*bandCount]
		for i := range row {
			row[i] = approxCount(bands, i, total)
		}
		hm.counts[c] = row
	}
	return hm, true
}
