package postgres

import (
	"strings"
	"unicode/utf8"

	"github.com/vitals-go/vitals/metrics"
)

// compareTags orders tags by key.
func compareTags(a, b metrics.Tag) int { return strings.Compare(a.Key, b.Key) }

// mergeTags appends to dst the union of two key-sorted tag lists, own's
// value winning when both hold a key.
func mergeTags(dst, defaults, own []metrics.Tag) []metrics.Tag {
	i, j := 0, 0
	for i < len(defaults) && j < len(own) {
		switch c := strings.Compare(defaults[i].Key, own[j].Key); {
		case c < 0:
			dst = append(dst, defaults[i])
			i++
		case c > 0:
			dst = append(dst, own[j])
			j++
		default:
			dst = append(dst, own[j])
			i++
			j++
		}
	}
	dst = append(dst, defaults[i:]...)
	return append(dst, own[j:]...)
}

// storable reports whether PostgreSQL can store the name and tags: text
// must be valid UTF-8 without NUL bytes.
func storable(name string, tags []metrics.Tag) bool {
	ok := func(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }
	if !ok(name) {
		return false
	}
	for _, t := range tags {
		if !ok(t.Key) || !ok(t.Value) {
			return false
		}
	}
	return true
}
