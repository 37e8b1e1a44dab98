package console

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vitals-go/vitals/metrics"
)

// textEncoder writes FormatText: a header line with the time, the interval
// and the default tags, one aligned line per application series sorted by
// name and tags, then the SDK's own series, a few compact lines (see
// appendSDK).
type textEncoder struct {
	hist history

	// Reused by each encode.
	app, sdk []*metrics.Series
	lines    []line
	cells    []cell
	arena    []byte // the cells' and tags' text
	body     []byte // the application's lines, before the header is known
}

// line is one application series' line.
type line struct {
	name       string
	tags       [2]int32 // its tags' text in the arena
	first, end int      // its cells in textEncoder.cells
}

// Header widths: the dashes reach the widest line, within these bounds.
const (
	minHeaderWidth = 60
	maxHeaderWidth = 120
)

// encode appends snap in the text format to dst.
func (t *textEncoder) encode(dst []byte, snap metrics.Snapshot) []byte {
	interval := t.hist.begin(snap.Time)
	t.split(snap.Series)
	t.lines, t.cells, t.arena = t.lines[:0], t.cells[:0], t.arena[:0]
	for _, s := range t.app {
		first := len(t.cells)
		tagStart := t.mark()
		t.arena = appendTags(t.arena, s.Tags)
		l := line{name: s.Name, tags: [2]int32{tagStart, t.mark()}, first: first}
		t.addCells(s, interval, false)
		l.end = len(t.cells)
		t.lines = append(t.lines, l)
	}
	var width int
	t.body, width = t.appendLines(t.body[:0])
	dst = appendHeader(dst, snap, interval, width)
	dst = append(dst, t.body...)
	dst = t.appendSDK(dst, interval)
	t.hist.end()
	clear(t.app) // let the snapshot go
	clear(t.sdk)
	clear(t.lines)
	clear(t.cells)
	return dst
}

// split fills t.app with the application's series sorted by name and tags,
// and t.sdk with the SDK's grouped by root and tags (see appendSDK).
func (t *textEncoder) split(series []metrics.Series) {
	t.app, t.sdk = t.app[:0], t.sdk[:0]
	for i := range series {
		if sdkRank(series[i].Name) == 0 {
			t.app = append(t.app, &series[i])
		} else {
			t.sdk = append(t.sdk, &series[i])
		}
	}
	slices.SortStableFunc(t.app, func(a, b *metrics.Series) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return compareTags(a.Tags, b.Tags)
	})
	slices.SortStableFunc(t.sdk, func(a, b *metrics.Series) int {
		if c := sdkRank(a.Name) - sdkRank(b.Name); c != 0 {
			return c
		}
		return compareTags(a.Tags, b.Tags)
	})
}

// appendLines appends the application's lines, aligned: names, tags and
// cells in columns. It returns the widest line's width.
func (t *textEncoder) appendLines(dst []byte) ([]byte, int) {
	nameW, tagsW := 0, 0
	var cellW [maxCells]int
	for _, l := range t.lines {
		nameW = max(nameW, textWidth(l.name))
		tagsW = max(tagsW, width(t.arena[l.tags[0]:l.tags[1]]))
		for j, c := range t.cells[l.first:l.end] {
			cellW[j] = max(cellW[j], width(t.arena[c.start:c.end]))
		}
	}
	widest := 0
	for _, l := range t.lines {
		start := len(dst)
		dst = appendName(dst, l.name)
		dst = pad(dst, nameW-textWidth(l.name))
		if tagsW > 0 {
			tags := t.arena[l.tags[0]:l.tags[1]]
			dst = append(append(dst, "  "...), tags...)
			dst = pad(dst, tagsW-width(tags))
		}
		for j, c := range t.cells[l.first:l.end] {
			dst = pad(dst, int(c.gap))
			if c.label != "" {
				dst = append(append(dst, c.label...), ' ')
			}
			text := t.arena[c.start:c.end]
			fill := cellW[j] - width(text)
			switch {
			case c.right:
				dst = append(pad(dst, fill), text...)
			case l.first+j < l.end-1: // a note in the middle: pad after it
				dst = pad(append(dst, text...), fill)
			default:
				dst = append(dst, text...)
			}
		}
		widest = max(widest, width(dst[start:]))
		dst = append(dst, '\n')
	}
	return dst, widest
}

// appendHeader appends the line that opens a snapshot:
//
//	-- 2026-12-03 13:00:10 UTC  interval 10s  host=web01 service=alerts -----
//
// in snap.Time's location, the interval left out on the first snapshot,
// dashes up to lineWidth (at least three).
func appendHeader(dst []byte, snap metrics.Snapshot, interval time.Duration, lineWidth int) []byte {
	start := len(dst)
	dst = append(dst, "-- "...)
	dst = snap.Time.AppendFormat(dst, "2006-01-02 15:04:05 MST")
	if interval > 0 {
		dst = append(dst, "  interval "...)
		dst = append(dst, roundInterval(interval).String()...)
	}
	if len(snap.DefaultTags) > 0 {
		dst = append(dst, "  "...)
		dst = appendTags(dst, snap.DefaultTags)
	}
	dst = append(dst, " ---"...)
	for n := width(dst[start:]); n < min(max(lineWidth, minHeaderWidth), maxHeaderWidth); n++ {
		dst = append(dst, '-')
	}
	return append(dst, '\n')
}

// roundInterval rounds an interval for reading: 10s, 1.3s, 250ms.
func roundInterval(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// appendTags appends "key=value key=value", quoting what needs it.
func appendTags(dst []byte, tags []metrics.Tag) []byte {
	for i, tag := range tags {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = appendName(dst, tag.Key)
		dst = append(dst, '=')
		dst = appendName(dst, tag.Value)
	}
	return dst
}

// appendName appends s as it is, or quoted in Go syntax when it is empty
// or holds a space, '=', '"', a character that is not printable or invalid
// UTF-8, so that every line stays one line and every tag one key=value.
func appendName(dst []byte, s string) []byte {
	if s == "" || strings.IndexFunc(s, needsQuote) >= 0 || !utf8.ValidString(s) {
		return strconv.AppendQuote(dst, s)
	}
	return append(dst, s...)
}

func needsQuote(r rune) bool {
	return r == ' ' || r == '=' || r == '"' || r == '\\' || !unicode.IsPrint(r)
}

// textWidth is how many columns appendName(nil, s) takes, counting one per
// character.
func textWidth(s string) int {
	if s == "" || strings.IndexFunc(s, needsQuote) >= 0 || !utf8.ValidString(s) {
		return utf8.RuneCountInString(strconv.Quote(s))
	}
	return utf8.RuneCountInString(s)
}

// width is how many columns text takes, one per character.
func width(text []byte) int { return utf8.RuneCount(text) }

// pad appends n spaces.
func pad(dst []byte, n int) []byte {
	for range n {
		dst = append(dst, ' ')
	}
	return dst
}
