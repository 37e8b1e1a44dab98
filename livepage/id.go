package livepage

import "github.com/vitals-go/vitals/metrics"

// appendID appends the page's key of a series to b: its name, then its
// tags in braces, sorted by key, as in http.requests{route=/x,status=200}.
// Names and tag keys cannot hold the punctuation; a backslash escapes it
// in tag values, so two series never share a key.
func appendID(b []byte, name string, tags []metrics.Tag) []byte {
	b = append(b, name...)
	if len(tags) == 0 {
		return b
	}
	b = append(b, '{')
	for i, t := range tags {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, t.Key...)
		b = append(b, '=')
		for j := 0; j < len(t.Value); j++ {
			switch c := t.Value[j]; c {
			case '\\', ',', '}':
				b = append(b, '\\', c)
			default:
				b = append(b, c)
			}
		}
	}
	return append(b, '}')
}
