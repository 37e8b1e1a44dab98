package metrics

import "sync/atomic"

// table is an open-addressing hash table that readers search without locks
// or allocation. Writers are serialised by the caller: they insert in place
// (publishing each slot with an atomic store) and, when it is half full,
// swap in a table twice as large. A reader holding the old table may miss
// what was inserted after the swap; it then takes the writers' slow path,
// which searches the current table again.
type table[T any] struct {
	slots []slot[T]
	mask  uint64
	used  int
}

type slot[T any] struct {
	hash atomic.Uint64
	ptr  atomic.Pointer[T]
}

func newTable[T any](size int) *table[T] {
	n := 16
	for n < size*2 {
		n *= 2
	}
	return &table[T]{slots: make([]slot[T], n), mask: uint64(n - 1)}
}

// find returns the first item with hash h that match accepts, or nil.
func (t *table[T]) find(h uint64, match func(*T) bool) *T {
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		p := s.ptr.Load()
		if p == nil {
			return nil
		}
		if s.hash.Load() == h && match(p) {
			return p
		}
	}
}

// insert adds p under hash h, returning the table to use from now on (the
// same one, or a larger copy).
func (t *table[T]) insert(h uint64, p *T) *table[T] {
	if (t.used+1)*2 > len(t.slots) {
		bigger := newTable[T](len(t.slots))
		for i := range t.slots {
			if q := t.slots[i].ptr.Load(); q != nil {
				bigger.put(t.slots[i].hash.Load(), q)
			}
		}
		t = bigger
	}
	t.put(h, p)
	return t
}

// without returns a copy of the table lacking p.
func (t *table[T]) without(p *T) *table[T] {
	out := newTable[T](t.used)
	for i := range t.slots {
		if q := t.slots[i].ptr.Load(); q != nil && q != p {
			out.put(t.slots[i].hash.Load(), q)
		}
	}
	return out
}

func (t *table[T]) put(h uint64, p *T) {
	i := h & t.mask
	for t.slots[i].ptr.Load() != nil {
		i = (i + 1) & t.mask
	}
	t.slots[i].hash.Store(h) // before ptr: a reader that sees ptr sees hash
	t.slots[i].ptr.Store(p)
	t.used++
}
