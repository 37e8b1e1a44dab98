package tsdb

import (
	"math"
	"slices"
	"strings"

	"github.com/vitals-go/vitals/metrics"
)

// Count returns how many points Flatten makes of snap, valid and invalid
// together, without building them: Count(snap, opts) == len(points) -
// len(dst) + invalid.
func Count(snap metrics.Snapshot, opts Options) int {
	n := 0
	for i := range snap.Series {
		n += pointsOf(&snap.Series[i])
	}
	return n
}

// Flatten appends to dst one Point per field of every series of snap (see
// Naming for the fields of each kind; a histogram or timer whose interval is
// empty exports only its count, and a timer its rates, too) and returns the
// extended slice with the number of points it left out as invalid. The
// series' tags and snap.DefaultTags are sanitized and sorted by key, then
// merged as metrics.AppendMergedTags merges them (the series' own tag
// wins); the metric, "<prefix>.<name>.<field>", is sanitized too.
//
// A point is invalid, and only counted, when
//
//   - its value is NaN or infinite;
//   - it has no tag, or more than opts.MaxTags;
//   - its name, a tag key or a tag value is empty, or a tag key appears
//     twice once sanitized;
//   - its telnet line (AppendTelnet) would be longer than MaxLineLen;
//   - snap.Time is before 1970-01-01 00:00:01 UTC (OpenTSDB needs a
//     positive timestamp in seconds): then every point is;
//   - its series has an unknown Kind: one invalid point for the series.
//
// Flatten allocates at most a few large blocks per call, not per point:
// points share their series' tag slice and the metric names share one
// buffer. Pass the previous call's slice as dst[:0] to reuse it.
func Flatten(dst []Point, snap metrics.Snapshot, opts Options) (points []Point, invalid int) {
	o := opts.normalized()
	prefix := ""
	if o.Prefix != "" {
		prefix = Sanitize(o.Prefix) + "."
	}

	// Size everything once: the points, the metric names' bytes, and the
	// tags of the series that need a merged copy.
	total, nameBytes, tagSlots := 0, 0, 0
	for i := range snap.Series {
		s := &snap.Series[i]
		total += pointsOf(s)
		if lay, ok := layoutOf(o.Naming, s); ok {
			nameBytes += len(lay.fields)*(len(prefix)+len(s.Name)+1) + lay.nameLen
		}
		if len(s.Tags) > 0 {
			tagSlots += len(s.Tags) + len(snap.DefaultTags)
		}
	}
	secs := snap.Time.Unix()
	if secs <= 0 {
		return dst, total
	}
	dst = slices.Grow(dst, total)
	fixedLen := len("put ") + len(prefix) + len(".") + len(" ") + decimalLen(secs) + len(" ")

	var names strings.Builder
	names.Grow(nameBytes)
	tm := newTagMerger(snap.DefaultTags, tagSlots)
	for i := range snap.Series {
		s := &snap.Series[i]
		lay, ok := layoutOf(o.Naming, s)
		if !ok {
			invalid++
			continue
		}
		name := Sanitize(s.Name)
		tags, tagsLen, ok := tm.tagsOf(s.Tags)
		if !ok || name == "" || len(tags) == 0 || len(tags) > o.MaxTags {
			invalid += len(lay.fields)
			continue
		}
		lineLen := fixedLen + len(name) + tagsLen
		unit := 1.0
		if s.Kind == metrics.KindTimer {
			unit = float64(o.DurationUnit)
		}
		for k, f := range lay.fields {
			v := valueOf(s, f, unit)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				invalid++
				continue
			}
			if n := lineLen + len(lay.names[k]); n+maxValueLen > MaxLineLen && n+valueLen(v) > MaxLineLen {
				invalid++
				continue
			}
			// Each metric is a substring of the builder's buffer: the
			// builder only ever appends, so the bytes behind a string it
			// returned never change, even if it grows into a new buffer.
			start := names.Len()
			names.WriteString(prefix)
			names.WriteString(name)
			names.WriteByte('.')
			names.WriteString(lay.names[k])
			dst = append(dst, Point{Metric: names.String()[start:], Time: snap.Time, Value: v, Tags: tags})
		}
	}
	return dst, invalid
}

// decimalLen is len(strconv.AppendInt(nil, n, 10)) for n > 0.
func decimalLen(n int64) int {
	l := 1
	for n >= 10 {
		n /= 10
		l++
	}
	return l
}

// tagMerger builds the tags of each series' points: its own tags merged
// over the snapshot's default tags, sanitized, sorted by key.
type tagMerger struct {
	defaults    []metrics.Tag // sanitized, sorted by key
	defaultsLen int           // their length on a telnet line
	defaultsOK  bool

	arena    []metrics.Tag // merged tags of all series, allocated on first use
	arenaCap int
	scratch  []metrics.Tag // a series' own tags, sanitized and sorted

	// The last series' result: attached go-metrics series, for one, all
	// share one tag slice.
	lastOwn  []metrics.Tag
	lastTags []metrics.Tag
	lastLen  int
	lastOK   bool
}

func newTagMerger(defaults []metrics.Tag, arenaCap int) tagMerger {
	m := tagMerger{arenaCap: arenaCap}
	if clean(defaults) {
		m.defaults = defaults[:len(defaults):len(defaults)]
	} else {
		m.defaults = sanitizeSorted(make([]metrics.Tag, 0, len(defaults)), defaults)
	}
	m.defaultsLen, m.defaultsOK = check(m.defaults)
	return m
}

// tagsOf returns the tags of a series' points and their length on a telnet
// line (" k=v" each); ok is false when a key or value is empty or a key
// repeats.
func (m *tagMerger) tagsOf(own []metrics.Tag) (tags []metrics.Tag, lineLen int, ok bool) {
	if len(own) == 0 {
		return m.defaults, m.defaultsLen, m.defaultsOK
	}
	if len(own) == len(m.lastOwn) && &own[0] == &m.lastOwn[0] {
		return m.lastTags, m.lastLen, m.lastOK
	}
	sorted := own
	isClean := clean(own)
	if !isClean {
		m.scratch = sanitizeSorted(m.scratch[:0], own)
		sorted = m.scratch
	}
	if len(m.defaults) == 0 && isClean {
		tags = own[:len(own):len(own)] // nothing to change: share the snapshot's slice
	} else {
		tags = m.merge(sorted)
	}
	lineLen, ok = check(tags)
	m.lastOwn, m.lastTags, m.lastLen, m.lastOK = own, tags, lineLen, ok
	return tags, lineLen, ok
}

// merge appends own merged over the defaults (see metrics.AppendMergedTags)
// to the arena, allocating it on first use, and returns the result. The
// arena was sized for every series, so it never moves.
func (m *tagMerger) merge(own []metrics.Tag) []metrics.Tag {
	if m.arena == nil {
		m.arena = make([]metrics.Tag, 0, m.arenaCap)
	}
	start := len(m.arena)
	m.arena = metrics.AppendMergedTags(m.arena, own, m.defaults)
	return m.arena[start:len(m.arena):len(m.arena)]
}

// clean reports whether tags are already valid for OpenTSDB and sorted by
// key without repeats, so that they can be used as they are.
func clean(tags []metrics.Tag) bool {
	for i, t := range tags {
		if firstInvalid(t.Key) >= 0 || firstInvalid(t.Value) >= 0 {
			return false
		}
		if i > 0 && tags[i-1].Key >= t.Key {
			return false
		}
	}
	return true
}

// sanitizeSorted appends the sanitized tags to dst, sorted by key (stable,
// so that repeated keys stay in order), and returns the result.
func sanitizeSorted(dst, tags []metrics.Tag) []metrics.Tag {
	start := len(dst)
	for _, t := range tags {
		dst = append(dst, metrics.Tag{Key: Sanitize(t.Key), Value: Sanitize(t.Value)})
	}
	slices.SortStableFunc(dst[start:], func(a, b metrics.Tag) int { return strings.Compare(a.Key, b.Key) })
	return dst
}

// check returns the length of sorted tags on a telnet line, and whether
// they are acceptable: no empty key or value, no key twice.
func check(tags []metrics.Tag) (lineLen int, ok bool) {
	ok = true
	for i, t := range tags {
		lineLen += len(" =") + len(t.Key) + len(t.Value)
		if t.Key == "" || t.Value == "" || i > 0 && tags[i-1].Key == t.Key {
			ok = false
		}
	}
	return lineLen, ok
}
