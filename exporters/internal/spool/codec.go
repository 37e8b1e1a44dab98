package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// formatVersion is the first byte of every record's payload. A payload of
// another version is reported as corrupt, not guessed at.
const formatVersion = 1

// The bits of a series' field mask: which fields follow in the encoding.
// Fields that are zero (all bits zero, for floats) are left out, so that a
// counter costs its name, tags, kind, mask and count.
const (
	fieldUnit = 1 << iota
	fieldCount
	fieldValue
	fieldRate1
	fieldRate5
	fieldRate15
	fieldRateMean
	fieldSumCount
	fieldSum
	fieldMin
	fieldMax
	fieldMean
	fieldStdDev
	fieldP50
	fieldP75
	fieldP95
	fieldP99
	fieldP999
	fieldBuckets // Summary.Buckets is not nil (it may be empty)
	fieldAll     = fieldBuckets<<1 - 1
)

// encoder turns snapshots into payloads. Strings are written once per
// payload and referred to by number after that: names, tag keys and most
// tag values repeat across the series of a snapshot.
type encoder struct {
	buf  []byte
	strs map[string]uint64 // string -> its number + 1 in this payload
}

// encode returns start bytes of room for a header followed by snap's
// payload, in a buffer that the next encode reuses.
func (e *encoder) encode(start int, snap *metrics.Snapshot) []byte {
	if e.strs == nil {
		e.strs = make(map[string]uint64)
	}
	clear(e.strs)
	if cap(e.buf) < start {
		e.buf = make([]byte, start, 4096)
	}
	b := append(e.buf[:start], formatVersion)
	b = binary.AppendUvarint(b, snap.Seq)
	b = binary.AppendVarint(b, snap.Time.Unix())
	b = binary.AppendUvarint(b, uint64(snap.Time.Nanosecond()))
	b = e.appendTags(b, snap.DefaultTags)
	b = appendLen(b, snap.Series == nil, len(snap.Series))
	for i := range snap.Series {
		b = e.appendSeries(b, &snap.Series[i])
	}
	e.buf = b
	return b
}

// appendLen appends a slice's length plus one, or 0 for a nil slice, so that
// nil and empty slices decode as they were.
func appendLen(b []byte, isNil bool, n int) []byte {
	if isNil {
		return append(b, 0)
	}
	return binary.AppendUvarint(b, uint64(n)+1)
}

func (e *encoder) appendString(b []byte, s string) []byte {
	if ref, ok := e.strs[s]; ok {
		return binary.AppendUvarint(b, ref)
	}
	e.strs[s] = uint64(len(e.strs)) + 1
	b = append(b, 0) // a new string follows
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func (e *encoder) appendTags(b []byte, tags []metrics.Tag) []byte {
	b = appendLen(b, tags == nil, len(tags))
	for _, t := range tags {
		b = e.appendString(b, t.Key)
		b = e.appendString(b, t.Value)
	}
	return b
}

func (e *encoder) appendSeries(b []byte, s *metrics.Series) []byte {
	b = e.appendString(b, s.Name)
	b = e.appendTags(b, s.Tags)
	b = append(b, byte(s.Kind))
	sum := &s.Summary
	floats := seriesFloats(s)
	var mask uint64
	if s.Unit != "" {
		mask |= fieldUnit
	}
	if s.Count != 0 {
		mask |= fieldCount
	}
	for i, f := range floats {
		if math.Float64bits(*f) != 0 {
			mask |= floatBits[i]
		}
	}
	ints := summaryInts(sum)
	for i, v := range ints {
		if *v != 0 {
			mask |= intBits[i]
		}
	}
	if sum.Buckets != nil {
		mask |= fieldBuckets
	}
	b = binary.AppendUvarint(b, mask)
	if mask&fieldUnit != 0 {
		b = e.appendString(b, s.Unit)
	}
	if mask&fieldCount != 0 {
		b = binary.AppendVarint(b, s.Count)
	}
	for i, v := range ints {
		if mask&intBits[i] != 0 {
			b = binary.AppendVarint(b, *v)
		}
	}
	for i, f := range floats {
		if mask&floatBits[i] != 0 {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(*f))
		}
	}
	if mask&fieldBuckets != 0 {
		b = binary.AppendUvarint(b, uint64(len(sum.Buckets)))
		prev := int64(0)
		for _, bk := range sum.Buckets {
			b = binary.AppendVarint(b, int64(bk.Index)-prev) // ascending: small deltas
			b = binary.AppendUvarint(b, bk.Count)
			prev = int64(bk.Index)
		}
	}
	return b
}

// floatBits and intBits are the mask bits of the fields that seriesFloats
// and summaryInts return, in the same order.
var (
	floatBits = [...]uint64{fieldValue, fieldRate1, fieldRate5, fieldRate15, fieldRateMean,
		fieldMean, fieldStdDev, fieldP50, fieldP75, fieldP95, fieldP99, fieldP999}
	intBits = [...]uint64{fieldSumCount, fieldSum, fieldMin, fieldMax}
)

// seriesFloats returns pointers to s's float64 fields, in the order of
// floatBits.
func seriesFloats(s *metrics.Series) [len(floatBits)]*float64 {
	m := &s.Summary
	return [...]*float64{&s.Value, &s.Rates.Rate1, &s.Rates.Rate5, &s.Rates.Rate15, &s.Rates.Mean,
		&m.Mean, &m.StdDev, &m.P50, &m.P75, &m.P95, &m.P99, &m.P999}
}

// summaryInts returns pointers to m's int64 fields, in the order of intBits.
func summaryInts(m *metrics.Summary) [len(intBits)]*int64 {
	return [...]*int64{&m.Count, &m.Sum, &m.Min, &m.Max}
}

// errTruncated is what decoding a payload that ends too early returns.
var errTruncated = errors.New("payload ends early")

// decoder reads one payload. The first error sticks: later reads return
// zero values, and err says what went wrong.
type decoder struct {
	b    []byte
	strs []string
	err  error
}

// decodeSnapshot decodes a payload made by encoder.encode. It never panics
// and allocates in proportion to len(b), whatever b holds.
func decodeSnapshot(b []byte) (metrics.Snapshot, error) {
	d := decoder{b: b}
	var snap metrics.Snapshot
	if v := d.byte(); d.err == nil && v != formatVersion {
		return snap, fmt.Errorf("format version %d, want %d", v, formatVersion)
	}
	snap.Seq = d.uvarint()
	sec := d.varint()
	nsec := d.uvarint()
	if d.err == nil && nsec >= uint64(time.Second) {
		return snap, fmt.Errorf("nanoseconds %d out of range", nsec)
	}
	snap.Time = time.Unix(sec, int64(nsec)).UTC()
	snap.DefaultTags = d.tags()
	// A series takes at least 4 bytes: name, tags, kind, mask.
	if n, ok := d.length(4); ok {
		snap.Series = make([]metrics.Series, n)
		for i := range snap.Series {
			d.series(&snap.Series[i])
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d bytes after the last series", len(d.b))
	}
	if d.err != nil {
		return metrics.Snapshot{}, d.err
	}
	return snap, nil
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail(errTruncated)
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(errTruncated)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(errTruncated)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) float() float64 {
	if len(d.b) < 8 {
		d.fail(errTruncated)
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

// length reads a length written by appendLen. ok is false for a nil slice
// or an error; a length that the rest of the payload cannot hold, at
// minSize bytes per element, is an error, so that garbage cannot make the
// decoder allocate more than the payload's size.
func (d *decoder) length(minSize int) (n int, ok bool) {
	v := d.uvarint()
	if v == 0 || d.err != nil {
		return 0, false
	}
	return d.count(v-1, minSize)
}

// count checks that n elements of at least minSize bytes fit in the rest.
func (d *decoder) count(n uint64, minSize int) (int, bool) {
	if n > uint64(len(d.b)/minSize) {
		d.fail(fmt.Errorf("%d elements do not fit in %d bytes", n, len(d.b)))
		return 0, false
	}
	return int(n), true
}

func (d *decoder) string() string {
	ref := d.uvarint()
	if d.err != nil {
		return ""
	}
	if ref > 0 {
		if ref > uint64(len(d.strs)) {
			d.fail(fmt.Errorf("string %d of %d", ref, len(d.strs)))
			return ""
		}
		return d.strs[ref-1]
	}
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)) {
		d.fail(errTruncated)
	}
	if d.err != nil {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	d.strs = append(d.strs, s)
	return s
}

func (d *decoder) tags() []metrics.Tag {
	n, ok := d.length(2) // two string references
	if !ok {
		return nil
	}
	tags := make([]metrics.Tag, n)
	for i := range tags {
		tags[i] = metrics.Tag{Key: d.string(), Value: d.string()}
	}
	return tags
}

func (d *decoder) series(s *metrics.Series) {
	s.Name = d.string()
	s.Tags = d.tags()
	s.Kind = metrics.Kind(d.byte())
	mask := d.uvarint()
	if d.err == nil && mask&^fieldAll != 0 {
		d.fail(fmt.Errorf("unknown fields %#x", mask&^fieldAll))
	}
	if d.err != nil {
		return
	}
	if mask&fieldUnit != 0 {
		s.Unit = d.string()
	}
	if mask&fieldCount != 0 {
		s.Count = d.varint()
	}
	for i, v := range summaryInts(&s.Summary) {
		if mask&intBits[i] != 0 {
			*v = d.varint()
		}
	}
	for i, f := range seriesFloats(s) {
		if mask&floatBits[i] != 0 {
			*f = d.float()
		}
	}
	if mask&fieldBuckets != 0 {
		n, _ := d.count(d.uvarint(), 2) // index delta and count
		if d.err != nil {
			return
		}
		buckets := make([]metrics.Bucket, n)
		prev := int64(0)
		for i := range buckets {
			idx := prev + d.varint()
			if d.err == nil && (idx < math.MinInt32 || idx > math.MaxInt32) {
				d.fail(fmt.Errorf("bucket index %d out of range", idx))
			}
			buckets[i] = metrics.Bucket{Index: int32(idx), Count: d.uvarint()}
			prev = idx
		}
		s.Summary.Buckets = buckets
	}
}
