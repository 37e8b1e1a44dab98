package console

import (
	"strings"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// sdkLineWidth is where appendSDK wraps its lines.
const sdkLineWidth = 120

// appendSDK appends the SDK's own series after the application's, compact:
// one line per root (vitals, go, process) and tag set, naming the part of
// the names they share once,
//
//	-- vitals.exporter exporter=console: exported 1,234 (+111)  rejected 0  dropped 0  ...
//	-- go: goroutines 12  heap.objects.bytes 199KiB  gc.cycles 3 (+1)  ...
//
// wrapped at sdkLineWidth. Their values have the same units as the
// application's, without rates.
func (t *textEncoder) appendSDK(dst []byte, interval time.Duration) []byte {
	for i := 0; i < len(t.sdk); {
		end := i + 1
		for end < len(t.sdk) && sdkRank(t.sdk[end].Name) == sdkRank(t.sdk[i].Name) &&
			compareTags(t.sdk[end].Tags, t.sdk[i].Tags) == 0 {
			end++
		}
		dst = t.appendGroup(dst, t.sdk[i:end], interval)
		i = end
	}
	return dst
}

// appendGroup appends the line of series that share a root and tags.
func (t *textEncoder) appendGroup(dst []byte, group []*metrics.Series, interval time.Duration) []byte {
	prefix := sharedPrefix(group)
	lineStart := len(dst)
	dst = append(dst, "-- "...)
	dst = appendName(dst, prefix)
	if len(group[0].Tags) > 0 {
		dst = append(dst, ' ')
		dst = appendTags(dst, group[0].Tags)
	}
	dst = append(dst, ':')
	for i, s := range group {
		t.cells, t.arena = t.cells[:0], t.arena[:0]
		t.addCells(s, interval, true)
		item := appendName(t.body[:0], s.Name[len(prefix)+1:])
		for _, c := range t.cells {
			item = append(item, ' ')
			if c.label != "" {
				item = append(append(item, c.label...), ' ')
			}
			item = append(item, t.arena[c.start:c.end]...)
		}
		t.body = item
		sep := "  "
		switch {
		case i == 0:
			sep = " "
		case width(dst[lineStart:])+len(sep)+width(item) > sdkLineWidth:
			dst = append(dst, '\n')
			lineStart = len(dst)
			sep = "   "
		}
		dst = append(append(dst, sep...), item...)
	}
	return append(dst, '\n')
}

// sharedPrefix is the longest run of whole name components that every
// series of group starts with and none ends with: "vitals.exporter" for
// vitals.exporter.exported and vitals.exporter.flush. A series alone keeps
// all but its root: "go" for go.goroutines.
func sharedPrefix(group []*metrics.Series) string {
	name := group[0].Name
	if len(group) == 1 {
		return name[:strings.IndexByte(name, '.')]
	}
	prefix := name[:strings.LastIndexByte(name, '.')]
	for _, s := range group[1:] {
		for !underPrefix(s.Name, prefix) {
			prefix = prefix[:strings.LastIndexByte(prefix, '.')]
		}
	}
	return prefix
}
