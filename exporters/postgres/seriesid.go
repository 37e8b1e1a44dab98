package postgres

import "github.com/vitals-go/vitals/metrics"

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvByte(h uint64, b byte) uint64 { return (h ^ uint64(b)) * fnvPrime }

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// SeriesID returns the id of a series in vitals_series.id: FNV-1a 64 over
// the name, then for each tag a zero byte, the key, a zero byte and the
// value, cast to int64. tags must be sorted by key and include the default
// tags the exporter adds (see Snapshot.DefaultTags): the id is that of the
// series as stored. It does not allocate.
func SeriesID(name string, tags []metrics.Tag) int64 {
	h := fnvString(fnvOffset, name)
	for _, t := range tags {
		h = fnvByte(h, 0)
		h = fnvString(h, t.Key)
		h = fnvByte(h, 0)
		h = fnvString(h, t.Value)
	}
	return int64(h)
}
