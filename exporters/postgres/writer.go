package postgres

import (
	"cmp"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"

	"github.com/vitals-go/vitals/metrics"
)

// maxCachedSeries bounds the ids remembered as stored; past it the cache
// starts again empty, which costs one upsert per series.
const maxCachedSeries = 1 << 19

// errCollision is the reason given for points of a series whose id is
// taken by another series.
var errCollision = errors.New("series id collision")

// errInvalidText is the reason given for a series PostgreSQL cannot store.
var errInvalidText = errors.New("name or tag is not valid UTF-8 or holds a NUL byte")

// writer turns snapshots into the columns of a flush. It keeps its
// buffers from one flush to the next; it is not safe for concurrent use.
type writer struct {
	seed  maphash.Seed
	known map[int64]uint64 // id -> check hash of series stored under that id

	defaults []metrics.Tag // the snapshot's default tags, sorted
	tags     []metrics.Tag // one series' merged tags
	keys     []seriesKey   // the series of the snapshot, sorted by id
	cache    keyCache
	json     []byte

	b        batch
	copyBufs [][]byte // one per part of a COPY, kept from one flush to the next
}

// seriesKey is a series of the snapshot, by id.
type seriesKey struct {
	id    int64
	check uint64
	index int // in Snapshot.Series
}

func newWriter() *writer {
	return &writer{seed: maphash.MakeSeed(), known: map[int64]uint64{}}
}

// prepare fills w.b with snap: it keys the series by id, then gives each
// a row, in id order.
func (w *writer) prepare(snap metrics.Snapshot) {
	w.b.reset()
	w.defaults = append(w.defaults[:0], snap.DefaultTags...)
	if !slices.IsSortedFunc(w.defaults, compareTags) {
		slices.SortStableFunc(w.defaults, compareTags)
	}
	w.keySeries(snap.Series)
	w.addRows(snap.Series)
}

// sortKeys sorts keys by id, then by position in the snapshot.
func sortKeys(keys []seriesKey) {
	slices.SortFunc(keys, func(a, b seriesKey) int {
		if c := cmp.Compare(a.id, b.id); c != 0 {
			return c
		}
		return cmp.Compare(a.index, b.index)
	})
}

// errUnknownKind is the reason given for a series of unknown kind.
func errUnknownKind(s *metrics.Series) error {
	return fmt.Errorf("series %q has unknown kind %d", s.Name, s.Kind)
}

// addRows gives a row to each series of w.keys, in order, but those it
// rejects: the second of two series with one id, and those PostgreSQL
// cannot store. The series not known to be stored are queued for the
// upsert.
func (w *writer) addRows(series []metrics.Series) {
	var prev *seriesKey // the last series given a row
	for k := range w.keys {
		key := &w.keys[k]
		s := &series[key.index]
		if prev != nil && prev.id == key.id {
			w.b.duplicate(key.id, s.Name, prev.check == key.check)
			continue
		}
		if c, ok := w.known[key.id]; (!ok || c != key.check) && !w.queueNew(key, s) {
			continue
		}
		prev = key
		w.b.addRow(key.id, s)
	}
}

// queueNew queues series s, not known to be stored, for the upsert, or
// rejects it when PostgreSQL cannot store its text, and reports which.
// (Known series were checked when they were first stored.)
func (w *writer) queueNew(key *seriesKey, s *metrics.Series) bool {
	w.tags = metrics.AppendMergedTags(w.tags[:0], s.Tags, w.defaults)
	if !storable(s.Name, w.tags) {
		w.b.reject(errInvalidText)
		return false
	}
	w.json = appendTagsJSON(w.json[:0], w.tags)
	b := &w.b
	b.newIDs = append(b.newIDs, key.id)
	b.newNames = append(b.newNames, s.Name)
	b.newTags = append(b.newTags, string(w.json))
	b.newKinds = append(b.newKinds, s.Kind.String())
	b.newUnits = append(b.newUnits, s.Unit)
	b.newCheck = append(b.newCheck, key.check)
	return true
}

// stored records the flush's new series as stored, except those in skip.
func (w *writer) stored(skip map[int64]bool) {
	if len(w.known)+len(w.b.newIDs) > maxCachedSeries {
		clear(w.known)
	}
	for i, id := range w.b.newIDs {
		if !skip[id] {
			w.known[id] = w.b.newCheck[i]
		}
	}
}

// check is a second hash of a series, independent of SeriesID, that tells
// two series sharing an id apart within this process. Each string is
// hashed on its own, so their boundaries count.
func (w *writer) check(name string, tags []metrics.Tag) uint64 {
	const k = 0x9E3779B97F4A7C15
	h := maphash.String(w.seed, name)
	for _, t := range tags {
		h = (h ^ maphash.String(w.seed, t.Key)) * k
		h = (h ^ maphash.String(w.seed, t.Value)) * k
	}
	return h
}
