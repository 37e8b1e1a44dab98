package postgres

import (
	"strings"
	"unicode/utf8"

	"github.com/vitals-go/vitals/metrics"
)

// compareTags orders tags by key.
func compareTags(a, b metrics.Tag) int { return strings.Compare(a.Key, b.Key) }

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
