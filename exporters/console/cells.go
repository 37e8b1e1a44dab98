package console

import (
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// maxCells is the most cells a line has: a histogram's or timer's total,
// note, p50, p99 and max.
const maxCells = 5

// cell is one value of a text line, its text in textEncoder.arena.
type cell struct {
	gap        uint8  // spaces before it
	right      bool   // right-aligned (numbers) or left (notes)
	label      string // written before the value, "p99", or ""
	start, end int32  // the value in the arena
}

// addCells appends the cells of s to t.cells and their text to t.arena:
// first the total or value, right-aligned, then for counters, meters,
// histograms and timers a note on the change, then a histogram's or timer's
// p50, p99 and max. interval is the time since the previous snapshot, 0 on
// the first. Compact cells, for the SDK's own series, leave out rates and
// changes of zero.
func (t *textEncoder) addCells(s *metrics.Series, interval time.Duration, compact bool) {
	u := unitOf(s.Name, s.Kind == metrics.KindTimer)
	secs := interval.Seconds()
	switch s.Kind {
	case metrics.KindCounter, metrics.KindMeter:
		start := t.mark()
		if u == unitNone {
			t.arena = appendGrouped(t.arena, s.Count)
		} else {
			t.arena = appendIn(t.arena, float64(s.Count), u)
		}
		t.cell(2, true, "", start)
		if d, ok := t.hist.delta(s); ok && interval > 0 {
			t.addChange(float64(d), u, secs, compact)
		}
	case metrics.KindGauge, metrics.KindGaugeFloat64:
		start := t.mark()
		t.arena = appendIn(t.arena, s.Value, u)
		t.cell(2, true, "", start)
	case metrics.KindHistogram, metrics.KindTimer:
		start := t.mark()
		t.arena = appendGrouped(t.arena, s.Count)
		t.cell(2, true, "", start)
		n := s.Summary.Count
		t.addChange(float64(n), unitNone, secs, compact)
		if n > 0 {
			for _, q := range [...]struct {
				label string
				v     float64
			}{{"p50", s.Summary.P50}, {"p99", s.Summary.P99}, {"max", float64(s.Summary.Max)}} {
				start := t.mark()
				t.arena = appendIn(t.arena, q.v, u)
				t.cell(2, true, q.label, start)
			}
		}
	default:
		start := t.mark()
		t.arena = append(t.arena, '?')
		t.cell(2, true, "", start)
		start = t.mark()
		t.arena = append(t.arena, "(unknown kind "...)
		t.arena = appendGrouped(t.arena, int64(s.Kind))
		t.arena = append(t.arena, ')')
		t.cell(1, false, "", start)
	}
}

// addChange adds the note after a total: "(+53, 5.3/s)" with the rate over
// secs when it is known, "(+53)" when not; compact leaves out the rate, and
// the whole note when d is 0.
func (t *textEncoder) addChange(d float64, u unit, secs float64, compact bool) {
	if compact && d == 0 {
		return
	}
	start := t.mark()
	t.arena = append(t.arena, '(')
	if d >= 0 {
		t.arena = append(t.arena, '+')
	}
	t.arena = appendIn(t.arena, d, u)
	if !compact && secs > 0 {
		t.arena = append(t.arena, ", "...)
		t.arena = appendIn(t.arena, d/secs, u)
		t.arena = append(t.arena, "/s"...)
	}
	t.arena = append(t.arena, ')')
	t.cell(1, false, "", start)
}

// mark is where the next cell's text starts.
func (t *textEncoder) mark() int32 { return int32(len(t.arena)) }

// cell records the text appended since start as a cell.
func (t *textEncoder) cell(gap uint8, right bool, label string, start int32) {
	t.cells = append(t.cells, cell{gap: gap, right: right, label: label, start: start, end: t.mark()})
}
