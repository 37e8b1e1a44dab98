package metrics

import (
	"fmt"
	"slices"
	"strings"
)

// familyMetric lists the handle types a Family can hold.
type familyMetric interface {
	*Counter | *Gauge | *GaugeFloat64 | *Meter | *Histogram | *Timer
}

// Family is the set of series of one name and kind whose tags have the same
// fixed keys, such as HTTP requests by method, route and code. With looks a
// series up by its tag values alone, without building a Tags map: the
// fastest way to find a series whose values are only known at the call
// (client_golang calls this a vector). Keeping the handle is faster still.
//
// A Family is safe for concurrent use. Its series are ordinary series of the
// registry: Registry.Counter with the same name and tags returns the same
// handle, and Unregister and idle expiry apply to them as to any other.
type Family[M familyMetric] struct {
	r         *Registry
	name      string
	keys      []string // in the caller's order
	kind      Kind
	newMetric func() M
	repeated  string // a key given twice, which makes every With refused

	// Set when name and keys are valid: the index schema of the keys, and
	// keys[order[i]] is the i-th key in the order series store them.
	schema   *schema
	nameHash uint64
	order    []int
}

// NewFamily returns the family of series of r named name whose tags have the
// given keys. M is the handle type: *Counter, *Gauge, *GaugeFloat64, *Meter,
// *Histogram or *Timer.
//
//	requests := metrics.NewFamily[*metrics.Counter](reg, "http.requests", "method", "route", "code")
//	requests.With("GET", "/users", "200").Inc(1)
//
// Like the registry's other methods it never fails: with an invalid name or
// key, or a key given twice, every With is refused and counted as the
// registry refuses any invalid registration (see Registry).
func NewFamily[M familyMetric](r *Registry, name string, keys ...string) *Family[M] {
	f := &Family[M]{r: r, name: name, keys: slices.Clone(keys)}
	f.kind, f.newMetric = familyKind[M](r)
	f.order = make([]int, len(keys))
	for i := range f.order {
		f.order[i] = i
	}
	slices.SortStableFunc(f.order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	sorted := make([]Tag, len(keys))
	for i, k := range f.order {
		sorted[i] = Tag{Key: keys[k], Value: "v"} // any valid value: only the keys are checked
	}
	for i := 1; i < len(sorted); i++ {
		if sorted[i].Key == sorted[i-1].Key {
			f.repeated = sorted[i].Key
			return f
		}
	}
	if validate(name, sorted) != nil {
		return f
	}
	r.mu.Lock()
	f.schema, f.nameHash = r.index.schemaFor(name, sorted)
	r.mu.Unlock()
	return f
}

// familyKind returns the kind of M and the registry's constructor of its
// handles.
func familyKind[M familyMetric](r *Registry) (Kind, func() M) {
	switch any(*new(M)).(type) {
	case *Counter:
		return KindCounter, any(r.newCounter).(func() M)
	case *Gauge:
		return KindGauge, any(r.newGauge).(func() M)
	case *GaugeFloat64:
		return KindGaugeFloat64, any(r.newGaugeFloat64).(func() M)
	case *Meter:
		return KindMeter, any(r.newMeter).(func() M)
	case *Histogram:
		return KindHistogram, any(r.newHistogram).(func() M)
	default:
		return KindTimer, any(r.newTimer).(func() M)
	}
}

// With returns the series whose tag values are values, one per key in the
// order given to NewFamily, registering it if it is new. Looking up an
// existing series does not allocate. A call with another number of values
// than keys is refused like an invalid tag: it returns a working handle that
// is not exported, and counts the refusal (see Registry); so does every call
// on a family whose name or keys are invalid.
func (f *Family[M]) With(values ...string) M {
	if len(values) != len(f.keys) {
		return f.refuse(values, fmt.Sprintf("%d tag values for the %d keys %q", len(values), len(f.keys), f.keys))
	}
	if f.repeated != "" {
		return f.refuse(values, fmt.Sprintf("tag key %q is given twice", f.repeated))
	}
	if f.schema != nil {
		if e := f.r.index.lookupValues(f.nameHash, f.schema, f.order, values); e != nil {
			if m, ok := e.metric.(M); ok {
				return m
			}
		}
	}
	tags := make(Tags, len(values))
	for i, v := range values {
		tags[f.keys[i]] = v
	}
	m, _ := getAs(f.r, f.kind, f.name, tags, f.newMetric)
	return m
}

// refuse counts a refused With and returns a detached handle.
func (f *Family[M]) refuse(values []string, detail string) M {
	tags := make(Tags, len(values))
	for i, v := range values {
		if i < len(f.keys) {
			tags[f.keys[i]] = v
		}
	}
	return detach(f.newMetric(), f.r.refuse(f.kind, f.name, tags, ErrInvalid, detail))
}
