package postgres

import (
	"slices"

	"github.com/vitals-go/vitals/metrics"
)

// keyCache remembers the keys of the previous snapshot's series, by
// position, with the name and tags each was computed from. A registry
// exports the same series in the same order at every flush, so keySeries
// checks each series against the cache (strings that share their bytes
// compare at once) instead of hashing its name and tags again, and keeps
// the previous flush's sorted keys when every series is the same.
type keyCache struct {
	defaults []metrics.Tag // the default tags the keys were computed with
	entries  []cachedKey   // by position in Snapshot.Series
	tags     []metrics.Tag // the entries' own tags, one after the other

	// The buffers of the previous entries and tags, for the next rebuild.
	spareEntries []cachedKey
	spareTags    []metrics.Tag
}

// cachedKey is the key of one series.
type cachedKey struct {
	name       string
	tagsAt, to int  // its tags: keyCache.tags[tagsAt:to]
	known      bool // its kind is known: it has a key in writer.keys
	id         int64
	check      uint64
}

// lookup returns the entry of the series at position i when it has the
// same name, tags and validity of kind as then.
func (c *keyCache) lookup(i int, s *metrics.Series, known bool) (*cachedKey, bool) {
	if i >= len(c.entries) {
		return nil, false
	}
	e := &c.entries[i]
	if e.known != known || e.name != s.Name || !slices.Equal(c.tags[e.tagsAt:e.to], s.Tags) {
		return nil, false
	}
	return e, true
}

// keySeries fills w.keys with the id and check hash of every series of a
// known kind (the others are rejected), sorted by id: so that the server
// inserts the rows into the (series_id, ts) index in order, leaf page
// after leaf page, and so that two series sharing an id are next to each
// other. Keys are taken from w.cache where it holds them.
func (w *writer) keySeries(series []metrics.Series) {
	c := &w.cache
	if !slices.Equal(c.defaults, w.defaults) {
		c.defaults = append(c.defaults[:0], w.defaults...)
		c.entries = c.entries[:0]
	}
	same := len(series) == len(c.entries)
	for i := range series {
		s := &series[i]
		known := s.Kind.String() != "unknown"
		if !known {
			w.b.reject(errUnknownKind(s))
		}
		if _, ok := c.lookup(i, s, known); !ok {
			same = false
		}
	}
	if same {
		return // w.keys are those of the previous flush
	}

	w.keys = w.keys[:0]
	tags := c.spareTags[:0]
	entries := slices.Grow(c.spareEntries[:0], len(series))[:len(series)]
	for i := range series {
		s := &series[i]
		e := &entries[i]
		e.known = s.Kind.String() != "unknown"
		if old, ok := c.lookup(i, s, e.known); ok {
			e.id, e.check = old.id, old.check
		} else if e.known {
			w.tags = metrics.AppendMergedTags(w.tags[:0], s.Tags, w.defaults)
			e.id, e.check = SeriesID(s.Name, w.tags), w.check(s.Name, w.tags)
		}
		e.name, e.tagsAt = s.Name, len(tags)
		tags = append(tags, s.Tags...)
		e.to = len(tags)
		if e.known {
			w.keys = append(w.keys, seriesKey{id: e.id, check: e.check, index: i})
		}
	}
	c.entries, c.spareEntries = entries, c.entries
	c.tags, c.spareTags = tags, c.tags
	sortKeys(w.keys)
}
