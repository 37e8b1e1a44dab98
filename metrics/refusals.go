package metrics

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
)

// Refusals counts what a registry refused since it was created, and names
// the latest refusal.
type Refusals struct {
	Invalid      int64 // registrations with an invalid name or tag
	KindConflict int64 // registrations of an existing series as another kind
	OverLimit    int64 // new series refused by the series limit
	BadValues    int64 // NaN or infinite floats and negative durations, dropped

	// Last names the latest refused registration or value, of any reason,
	// on one line: the kind, the series as name{key=value,...} and the
	// reason, such as
	//
	//	gauge_float64 cache.ratio{pool=main}: refused NaN
	//	counter jobs{queue=""}: invalid name or tag: tag "queue" has an empty value
	//
	// Names, keys and values that hold spaces, quotes, braces, commas,
	// equal signs or unprintable characters are quoted as Go strings. Last
	// is "" when nothing was refused.
	Last string
	// LastAt is when the refusal named by Last last happened, by the
	// registry's clock; zero when nothing was refused.
	LastAt time.Time
}

// Refused returns what the registry refused so far.
func (r *Registry) Refused() Refusals {
	s := &r.stats
	out := Refusals{
		Invalid:      s.counts[reasonInvalid].Load(),
		KindConflict: s.counts[reasonKindConflict].Load(),
		OverLimit:    s.counts[reasonOverLimit].Load(),
		BadValues:    s.counts[reasonBadValue].Load(),
	}
	if f := s.last.Load(); f != nil {
		out.Last = f.String()
		out.LastAt = time.Unix(0, f.at.Load())
	}
	return out
}

// refusalReason indexes a registry's refusal counters.
type refusalReason int

const (
	reasonInvalid refusalReason = iota
	reasonKindConflict
	reasonOverLimit
	reasonBadValue
	reasonCount
)

// refusalLogEvery is the least time between two log lines of one reason.
const refusalLogEvery = time.Minute

// refusalLogMessages are the log messages of the reasons.
var refusalLogMessages = [reasonCount]string{
	reasonInvalid:      "metrics: series refused: invalid name or tag; their handles work but are not exported (logged at most once a minute)",
	reasonKindConflict: "metrics: series refused: registered as another kind; their handles work but are not exported (logged at most once a minute)",
	reasonOverLimit:    "metrics: series refused: the registry is full (WithMaxSeries); their handles work but are not exported (logged at most once a minute)",
	reasonBadValue:     "metrics: values refused: NaN or infinite floats, or negative durations; the series keep their previous values (logged at most once a minute)",
}

// registryStats counts and names what a registry refused. The value path
// (refuseValue) is lock-free; logging happens on the registration and
// snapshot paths only, never where a value is recorded.
type registryStats struct {
	counts [reasonCount]atomic.Int64
	latest [reasonCount]atomic.Pointer[refusal] // the latest refusal of each reason
	last   atomic.Pointer[refusal]              // the latest of all

	logMu  sync.Mutex // guards logged; only ever TryLocked
	logged [reasonCount]refusalLog
}

// refusalLog is when a reason was last logged, and its count then.
type refusalLog struct {
	at    time.Time
	count int64
}

// refusal is one refused registration or value. Everything but at is set
// before it is published and never changes after.
type refusal struct {
	series *entry // the series a handle refused a value for; nil otherwise
	kind   Kind
	name   string
	tags   []Tag
	why    string
	at     atomic.Int64 // unix nanoseconds of its latest occurrence
}

// String returns the refusal on one line, as Refusals.Last.
func (f *refusal) String() string {
	var b strings.Builder
	b.WriteString(f.kind.String())
	b.WriteByte(' ')
	writeSeries(&b, f.name, f.tags)
	b.WriteString(": ")
	b.WriteString(f.why)
	return b.String()
}

// note publishes f as the latest refusal of reason, at t.
func (s *registryStats) note(reason refusalReason, f *refusal, t time.Time) {
	f.at.Store(t.UnixNano())
	s.latest[reason].Store(f)
	s.last.Store(f)
}

// refuseValue counts a value refused for series e (a registered or detached
// series; nil for an attached go-metrics one, then named by kind, name and
// tags). It never blocks: when the latest bad value was the same refusal of
// the same series it only moves that refusal's time, so a series refusing
// values in a loop does not allocate.
func (s *registryStats) refuseValue(e *entry, kind Kind, name string, tags []Tag, why string, t time.Time) {
	s.counts[reasonBadValue].Add(1)
	if f := s.latest[reasonBadValue].Load(); f != nil && e != nil && f.series == e && f.why == why {
		f.at.Store(t.UnixNano())
		if s.last.Load() != f {
			s.last.Store(f)
		}
		return
	}
	s.note(reasonBadValue, &refusal{series: e, kind: kind, name: name, tags: tags, why: why}, t)
}

// logRefusals logs one line for every reason that has new refusals and was
// not logged in the last refusalLogEvery, with how many there were since its
// previous line and the latest one. The first refusal of a reason is logged
// at once. If another goroutine is logging, it returns without waiting.
func (r *Registry) logRefusals(now time.Time) {
	s := &r.stats
	if !s.logMu.TryLock() {
		return
	}
	defer s.logMu.Unlock()
	for reason := range reasonCount {
		n, l := s.counts[reason].Load(), &s.logged[reason]
		if n == l.count || !l.at.IsZero() && now.Sub(l.at) < refusalLogEvery {
			continue
		}
		latest := ""
		if f := s.latest[reason].Load(); f != nil {
			latest = f.String()
		}
		r.logger.Warn(refusalLogMessages[reason], "count", n-l.count, "total", n, "latest", latest)
		l.at, l.count = now, n
	}
}

// origin is what a handle that refuses values (GaugeFloat64, Timer) needs
// to count them and name its series.
type origin struct {
	reg    *Registry
	series *entry // set when the handle is registered, or detached on refusal
}

// bindable is a handle that names its series when it refuses a value.
type bindable interface{ bind(*entry) }

func (o *origin) bind(e *entry) { o.series = e }

// refusedFloat says which bad float v (NaN or ±Inf) was refused.
func refusedFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "refused +Inf"
	case math.IsInf(v, -1):
		return "refused -Inf"
	}
	return "refused NaN"
}

// refuseValue counts a value refused by the handle. A handle that no
// registry made (a zero value) has nowhere to count it.
func (o *origin) refuseValue(kind Kind, why string) {
	r := o.reg
	if r == nil {
		return
	}
	e := o.series
	if e == nil {
		r.stats.refuseValue(nil, kind, "", nil, why, r.now())
		return
	}
	r.stats.refuseValue(e, e.kind, e.name, e.tags, why, r.now())
}

// writeSeries writes name{key=value,...}, quoting what needs it.
func writeSeries(b *strings.Builder, name string, tags []Tag) {
	writeQuoted(b, name)
	b.WriteByte('{')
	for i, t := range tags {
		if i > 0 {
			b.WriteByte(',')
		}
		writeQuoted(b, t.Key)
		b.WriteByte('=')
		writeQuoted(b, t.Value)
	}
	b.WriteByte('}')
}

// writeQuoted writes s, as a quoted Go string if it is empty or holds a
// character that would make the series ambiguous or break the line.
func writeQuoted(b *strings.Builder, s string) {
	plain := s != ""
	for _, c := range s {
		if c == unicode.ReplacementChar || !unicode.IsPrint(c) || unicode.IsSpace(c) || strings.ContainsRune(`"\{},=`, c) {
			plain = false
			break
		}
	}
	if plain {
		b.WriteString(s)
		return
	}
	b.WriteString(strconv.Quote(s))
}
