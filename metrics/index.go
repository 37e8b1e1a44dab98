package metrics

import (
	"math/rand/v2"
	"slices"
	"sync/atomic"
)

// index finds registered series by name and tags without locks or
// allocation. Series are grouped by name; each name knows the sets of tag
// keys (schemas) registered under it, almost always just one. A lookup
// therefore reads the caller's map only by key, in the schema's sorted order,
// and never iterates it. Writers hold Registry.mu.
type index struct {
	seed   uint64
	names  atomic.Pointer[table[nameIndex]]
	series atomic.Pointer[table[entry]]
}

// nameIndex holds the schemas registered under one name.
type nameIndex struct {
	name    string
	schemas atomic.Pointer[[]*schema] // copied on change
}

// schema is one sorted set of tag keys.
type schema struct {
	id   uint64 // random, mixed into the hashes of its series
	keys []string
}

func newIndex() *index {
	ix := &index{seed: rand.Uint64()}
	ix.names.Store(newTable[nameIndex](0))
	ix.series.Store(newTable[entry](0))
	return ix
}

// lookup returns the series with this name and tags, or nil.
func (ix *index) lookup(name string, tags Tags) *entry {
	nameHash := hashString(ix.seed, name)
	n := ix.names.Load().find(nameHash, func(n *nameIndex) bool { return n.name == name })
	if n == nil {
		return nil
	}
	for _, s := range *n.schemas.Load() {
		if len(s.keys) != len(tags) {
			continue
		}
		var values [maxInlineTags]string
		h, found := nameHash^s.id, true
		for i, key := range s.keys {
			v, ok := tags[key]
			if !ok {
				found = false
				break
			}
			if i < maxInlineTags {
				values[i] = v
			}
			h = hashString(h, v)
		}
		if !found {
			continue
		}
		// The keys are exactly this schema's, so no other schema can match.
		return ix.series.Load().find(h, func(e *entry) bool {
			if e.schema != s { // the schema implies name and keys
				return false
			}
			for i, t := range e.tags {
				v := values[i%maxInlineTags]
				if i >= maxInlineTags {
					v = tags[t.Key]
				}
				if t.Value != v {
					return false
				}
			}
			return true
		})
	}
	return nil
}

// insert adds a new series whose sorted tags are e.tags. The caller holds
// Registry.mu and has checked that it is not there yet.
func (ix *index) insert(e *entry) {
	s, nameHash := ix.schemaFor(e.name, e.tags)
	e.schema = s
	ix.series.Store(ix.series.Load().insert(ix.seriesHash(nameHash, s, e.tags), e))
}

// schemaFor returns the schema of these sorted tags' keys under name,
// adding the name and schema if new, and the name's hash. The caller holds
// Registry.mu.
func (ix *index) schemaFor(name string, sorted []Tag) (*schema, uint64) {
	nameHash := hashString(ix.seed, name)
	names := ix.names.Load()
	n := names.find(nameHash, func(n *nameIndex) bool { return n.name == name })
	if n == nil {
		n = &nameIndex{name: name}
		n.schemas.Store(&[]*schema{})
		ix.names.Store(names.insert(nameHash, n))
	}
	return n.schemaOf(sorted), nameHash
}

// lookupValues returns the series of schema s (so of its name and keys)
// whose i-th tag, in the schema's order, has the value values[order[i]], or
// nil. nameHash is the hash of the schema's name.
func (ix *index) lookupValues(nameHash uint64, s *schema, order []int, values []string) *entry {
	h := nameHash ^ s.id
	for _, i := range order {
		h = hashString(h, values[i])
	}
	// table.find, written out: this is the hot path of Family.With, and the
	// match closure would be an indirect call.
	t := ix.series.Load()
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		slot := &t.slots[i]
		e := slot.ptr.Load()
		if e == nil {
			return nil
		}
		if slot.hash.Load() != h || e.schema != s { // the schema implies name and keys
			continue
		}
		match := true
		for j, tag := range e.tags {
			if tag.Value != values[order[j]] {
				match = false
				break
			}
		}
		if match {
			return e
		}
	}
}

// remove drops a series from the index.
func (ix *index) remove(e *entry) {
	ix.series.Store(ix.series.Load().without(e))
}

func (ix *index) seriesHash(nameHash uint64, s *schema, sorted []Tag) uint64 {
	h := nameHash ^ s.id
	for _, t := range sorted {
		h = hashString(h, t.Value)
	}
	return h
}

// schemaOf returns the name's schema for these sorted tags, adding it if new.
func (n *nameIndex) schemaOf(sorted []Tag) *schema {
	list := *n.schemas.Load()
	for _, s := range list {
		if slices.EqualFunc(s.keys, sorted, func(k string, t Tag) bool { return k == t.Key }) {
			return s
		}
	}
	s := &schema{id: rand.Uint64(), keys: make([]string, len(sorted))}
	for i, t := range sorted {
		s.keys[i] = t.Key
	}
	grown := append(slices.Clip(list), s)
	n.schemas.Store(&grown)
	return s
}
