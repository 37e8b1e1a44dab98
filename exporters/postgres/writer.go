package postgres

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vitals-go/vitals/internal/pgschema"
	"github.com/vitals-go/vitals/metrics"
)

// Write strategy. A flush writes its points with COPY in binary format
// straight into the partition of the snapshot's day: the snapshot time is
// the same for every row, and Export ensures that partition before writing.
// COPY into the partition spares the server the tuple routing, the parsing
// of one statement's worth of array parameters, the unnesting and the text
// to array casts, leaving it little but the heap and primary key inserts.
// The rows are encoded here as pgconn reads them (see copyReader), so that
// encoding, sending and inserting overlap. COPY is one statement, so one
// implicit transaction: it stores all the rows or none.
//
// COPY has no ON CONFLICT. A point already stored (a retry of a flush that
// was committed but whose answer was lost, or another process writing the
// same series) fails it with a unique violation, and the flush is then
// written again by INSERT ... SELECT unnest(...) ON CONFLICT (series_id, ts)
// DO NOTHING through the parent table (pointsSQL), which skips the stored
// points; a snapshot offered again after a failed Export goes to that
// statement straight away. When the day has no partition (its creation
// failed, it is past retention, or it was dropped since), the points go
// through the parent by the same INSERT, first without ON CONFLICT, and
// tuple routing puts them in the default partition. That statement sends
// each column as one array; the bucket arrays, which differ in length from
// row to row and cannot be unnested from a ragged 2-D array, travel as the
// text of array literals ("{3,17,40}") cast per row, built only when the
// statement is used. See Exporter.writePoints.
//
// Series this process has not stored yet are upserted before the points,
// by a statement of their own (seriesSQL) that returns those whose id is
// already stored for another name or tags (a hash collision): their points
// are taken out of the batch before it is written. A flush whose points
// then fail leaves its new series stored, which is harmless: the retry
// finds them stored as they are. Retrying a flush never duplicates a row:
// points already stored are skipped by ON CONFLICT, and series by ON
// CONFLICT (id) DO NOTHING.

// The int8 and float8 columns of vitals_points after series_id and ts, in
// table order.
const (
	colTotal = iota
	colCount
	colSum
	colMin
	colMax
	numInts
)

const (
	colValue = iota
	colMean
	colStdDev
	colP50
	colP75
	colP95
	colP99
	colP999
	colRate1
	colRate5
	colRate15
	colRateMean
	numFloats
)

var intCols = [numInts]string{"total", "count", "sum", "min", "max"}

var floatCols = [numFloats]string{"value", "mean", "stddev", "p50", "p75", "p95", "p99", "p999",
	"rate1", "rate5", "rate15", "rate_mean"}

// pointsSQL inserts a flush's points; $1 is the snapshot time, $2 the
// series ids, then one array per column. Without onConflict, a point
// already stored fails the statement with a unique violation (and it
// inserts nothing); see Exporter.writePoints.
func pointsSQL(n pgschema.Names, onConflict bool) string {
	cols, sel, from := pointsColumns()
	sql := "INSERT INTO " + n.Points + " (" + cols + ")\n" +
		"SELECT " + sel + "\nFROM " + from
	if onConflict {
		sql += "\nON CONFLICT (series_id, ts) DO NOTHING"
	}
	return sql
}

// seriesSQL upserts the series given in $1.. (ids, names, tags as JSON
// text, kinds, units) and returns those that were neither inserted by it
// nor found stored under the same name and tags, as (id, stored name,
// stored tags): with a stored name, a collision, whose points must not be
// written; with a NULL name, a row committed by another process after this
// statement's snapshot was taken, so not verifiable now (its points are
// written, and the series is checked again at the next flush).
func seriesSQL(n pgschema.Names) string {
	return "WITH s_in AS (\n" +
		"  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])\n" +
		"    AS t(id, name, tags, kind, unit)\n" +
		"), s_ins AS (\n" +
		"  INSERT INTO " + n.Series + " (id, name, tags, kind, unit)\n" +
		"  SELECT id, name, tags::jsonb, kind, unit FROM s_in\n" +
		"  ON CONFLICT (id) DO NOTHING RETURNING id\n" +
		")\n" +
		"SELECT i.id, s.name, s.tags::text AS tags FROM s_in i\n" +
		"LEFT JOIN " + n.Series + " s ON s.id = i.id\n" +
		"WHERE NOT EXISTS (SELECT 1 FROM s_ins WHERE s_ins.id = i.id)\n" +
		"  AND (s.id IS NULL OR s.name <> i.name OR s.tags <> i.tags::jsonb)"
}

// copySQL copies a flush's points, as copyReader encodes them, into the
// partition of day. Without ON CONFLICT, which COPY lacks, a point already
// stored fails it with a unique violation, and it inserts nothing.
func copySQL(n pgschema.Names, day time.Time) string {
	cols, _, _ := pointsColumns()
	return "COPY " + pgx.Identifier{n.Schema, partitionName(day)}.Sanitize() + " (" + cols + ") FROM STDIN (FORMAT binary)"
}

// pointsColumns returns the column list, the select list and the FROM
// item of pointsSQL (and the column list of copySQL). The arrays are expanded by unnest calls
// in a select list, which PostgreSQL runs in lockstep and streams (a
// ProjectSet node), rather than by unnest(a, b, ...) in FROM, which
// materialises every array in its own tuplestore first and, for 100,000
// rows, spills them to temporary files.
func pointsColumns() (cols, sel, from string) {
	var c, s, f strings.Builder
	c.WriteString("series_id, ts")
	s.WriteString("u.series_id, $1::timestamptz")
	f.WriteString("(SELECT unnest($2::bigint[]) AS series_id")
	arg := 3
	for _, name := range intCols {
		fmt.Fprintf(&c, ", %s", name)
		fmt.Fprintf(&s, ", u.%s", name)
		fmt.Fprintf(&f, ", unnest($%d::bigint[]) AS %s", arg, name)
		arg++
	}
	for _, name := range floatCols {
		fmt.Fprintf(&c, ", %s", name)
		fmt.Fprintf(&s, ", u.%s", name)
		fmt.Fprintf(&f, ", unnest($%d::double precision[]) AS %s", arg, name)
		arg++
	}
	c.WriteString(", bucket_idx, bucket_cnt")
	s.WriteString(", u.bucket_idx::integer[], u.bucket_cnt::bigint[]")
	fmt.Fprintf(&f, ", unnest($%d::text[]) AS bucket_idx, unnest($%d::text[]) AS bucket_cnt) AS u", arg, arg+1)
	return c.String(), s.String(), f.String()
}

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
	keys     []seriesKey
	json     []byte

	b       batch
	copyBuf []byte // kept from one copyReader to the next
}

// seriesKey is a series of the snapshot, by id.
type seriesKey struct {
	id    int64
	check uint64
	index int // in Snapshot.Series
}

// batch is one flush, column by column.
type batch struct {
	ids    column[nullInt8]
	ints   [numInts]column[nullInt8]
	floats [numFloats]column[nullFloat8]
	// Each row's buckets (nil for NULL), pointing into the snapshot, and,
	// built from them by literals for pointsSQL only, the bucket_idx and
	// bucket_cnt array literals.
	bkts    [][]metrics.Bucket
	buckets [2]column[nullText]
	lits    []byte
	litsOK  bool // buckets holds the literals of bkts

	// Series not known to be stored yet, for the upsert.
	newIDs                                []int64
	newNames, newTags, newKinds, newUnits []string
	newCheck                              []uint64 // check hashes, cached once stored

	rejected int   // series left out
	reason   error // why the first one was
	dupes    []dupe
}

// row is one point's values, before they are appended to the columns.
type row struct {
	ints   [numInts]nullInt8
	floats [numFloats]nullFloat8
}

// column is one array parameter. pgx encodes it as an ArrayGetter whose
// elements are pointers into the column, and the pointed-to nullInt8,
// nullFloat8 and nullText through its Int64Valuer, Float64Valuer and
// TextValuer interfaces: no reflection and no allocation per value (a
// []int64 allocates for every boxed element, a []*int64 costs reflection),
// and each column is read from contiguous memory.
type column[T any] []T

func (c column[T]) Dimensions() []pgtype.ArrayDimension {
	return []pgtype.ArrayDimension{{Length: int32(len(c)), LowerBound: 1}}
}

func (c column[T]) Index(i int) any { return &c[i] }

func (c column[T]) IndexType() any { return new(T) }

// nullInt8, nullFloat8 and nullText are nullable column values.
type nullInt8 struct {
	v     int64
	valid bool
}

type nullFloat8 struct {
	v     float64
	valid bool
}

func (n *nullInt8) Int64Value() (pgtype.Int8, error) {
	return pgtype.Int8{Int64: n.v, Valid: n.valid}, nil
}

func (n *nullFloat8) Float64Value() (pgtype.Float8, error) {
	return pgtype.Float8{Float64: n.v, Valid: n.valid}, nil
}

type nullText struct {
	s     string
	valid bool
}

func (n *nullText) TextValue() (pgtype.Text, error) {
	return pgtype.Text{String: n.s, Valid: n.valid}, nil
}

func (n *nullInt8) set(v int64) { *n = nullInt8{v, true} }

// set stores v, or NULL when v is NaN or infinite: PostgreSQL would take
// them, but no reader of a metrics table expects them.
func (n *nullFloat8) set(v float64) {
	*n = nullFloat8{v, !math.IsNaN(v) && !math.IsInf(v, 0)}
}

// dupe is a series left out because another of the same flush had its id:
// the same series twice (same), or a collision.
type dupe struct {
	id   int64
	name string
	same bool
}

func newWriter() *writer {
	return &writer{seed: maphash.MakeSeed(), known: map[int64]uint64{}}
}

// prepare fills w.b with snap. Rows are sorted by series id, so that the
// server inserts them into the (series_id, ts) index in order, leaf page
// after leaf page, and so that two series of the snapshot sharing an id
// are next to each other.
func (w *writer) prepare(snap metrics.Snapshot) {
	b := &w.b
	b.ids = b.ids[:0]
	for i := range b.ints {
		b.ints[i] = b.ints[i][:0]
	}
	for i := range b.floats {
		b.floats[i] = b.floats[i][:0]
	}
	b.bkts, b.litsOK = b.bkts[:0], false
	b.newIDs, b.newNames, b.newTags, b.newKinds, b.newUnits, b.newCheck =
		b.newIDs[:0], b.newNames[:0], b.newTags[:0], b.newKinds[:0], b.newUnits[:0], b.newCheck[:0]
	b.rejected, b.reason, b.dupes = 0, nil, b.dupes[:0]

	w.defaults = append(w.defaults[:0], snap.DefaultTags...)
	if !slices.IsSortedFunc(w.defaults, compareTags) {
		slices.SortStableFunc(w.defaults, compareTags)
	}

	w.keys = w.keys[:0]
	for i := range snap.Series {
		s := &snap.Series[i]
		w.tags = mergeTags(w.tags[:0], w.defaults, s.Tags)
		if s.Kind.String() == "unknown" {
			b.reject(fmt.Errorf("series %q has unknown kind %d", s.Name, s.Kind))
			continue
		}
		w.keys = append(w.keys, seriesKey{id: SeriesID(s.Name, w.tags), check: w.check(s.Name, w.tags), index: i})
	}
	slices.SortFunc(w.keys, func(a, b seriesKey) int {
		if c := cmp.Compare(a.id, b.id); c != 0 {
			return c
		}
		return cmp.Compare(a.index, b.index)
	})

	var prev *seriesKey // the last series given a row
	for k := range w.keys {
		key := &w.keys[k]
		s := &snap.Series[key.index]
		if prev != nil && prev.id == key.id {
			if prev.check == key.check {
				b.reject(fmt.Errorf("series %q appears twice in the snapshot", s.Name))
			} else {
				b.reject(fmt.Errorf("%w: two series of the snapshot have id %d", errCollision, key.id))
			}
			b.dupes = append(b.dupes, dupe{id: key.id, name: s.Name, same: prev.check == key.check})
			continue
		}
		if c, ok := w.known[key.id]; !ok || c != key.check {
			// Known series were checked when they were first stored.
			w.tags = mergeTags(w.tags[:0], w.defaults, s.Tags)
			if !storable(s.Name, w.tags) {
				b.reject(errInvalidText)
				continue
			}
			w.json = appendTagsJSON(w.json[:0], w.tags)
			b.newIDs = append(b.newIDs, key.id)
			b.newNames = append(b.newNames, s.Name)
			b.newTags = append(b.newTags, string(w.json))
			b.newKinds = append(b.newKinds, s.Kind.String())
			b.newUnits = append(b.newUnits, s.Unit)
			b.newCheck = append(b.newCheck, key.check)
		}

		prev = key
		var r row
		b.ids = append(b.ids, nullInt8{key.id, true})
		switch s.Kind {
		case metrics.KindCounter:
			r.ints[colTotal].set(s.Count)
		case metrics.KindGauge, metrics.KindGaugeFloat64:
			r.floats[colValue].set(s.Value)
		case metrics.KindMeter:
			r.ints[colTotal].set(s.Count)
			setRates(&r, s.Rates)
		case metrics.KindHistogram, metrics.KindTimer:
			sum := &s.Summary
			r.ints[colTotal].set(s.Count)
			r.ints[colCount].set(sum.Count)
			r.ints[colSum].set(sum.Sum)
			if sum.Count != 0 {
				r.ints[colMin].set(sum.Min)
				r.ints[colMax].set(sum.Max)
				for c, v := range [...]float64{sum.Mean, sum.StdDev, sum.P50, sum.P75, sum.P95, sum.P99, sum.P999} {
					r.floats[colMean+c].set(v)
				}
			}
			if s.Kind == metrics.KindTimer {
				setRates(&r, s.Rates)
			}
		}
		var bkts []metrics.Bucket
		if (s.Kind == metrics.KindHistogram || s.Kind == metrics.KindTimer) &&
			s.Summary.Count != 0 && len(s.Summary.Buckets) > 0 {
			bkts = s.Summary.Buckets
		}
		b.bkts = append(b.bkts, bkts)
		for c, v := range r.ints {
			b.ints[c] = append(b.ints[c], v)
		}
		for c, v := range r.floats {
			b.floats[c] = append(b.floats[c], v)
		}
	}
}

// pointArgs returns the arguments of pointsSQL after $1, the snapshot time.
func (b *batch) pointArgs() []any {
	b.literals()
	a := make([]any, 0, 1+numInts+numFloats+2)
	a = append(a, b.ids)
	for c := range b.ints {
		a = append(a, b.ints[c])
	}
	for c := range b.floats {
		a = append(a, b.floats[c])
	}
	return append(a, b.buckets[0], b.buckets[1])
}

// seriesArgs returns the arguments of seriesSQL.
func (b *batch) seriesArgs() []any {
	return []any{b.newIDs, b.newNames, b.newTags, b.newKinds, b.newUnits}
}

// literals fills b.buckets with the text of each row's bucket arrays.
func (b *batch) literals() {
	if b.litsOK {
		return
	}
	b.lits = b.lits[:0]
	for _, bkts := range b.bkts {
		if bkts != nil {
			b.lits = appendBucketIndexes(b.lits, bkts)
			b.lits = appendBucketCounts(b.lits, bkts)
		}
	}
	// The literals were appended to one buffer; cut it into strings now
	// that it is complete, in the order they were appended.
	lits := string(b.lits)
	b.buckets[0], b.buckets[1] = b.buckets[0][:0], b.buckets[1][:0]
	for _, bkts := range b.bkts {
		var idx, cnt nullText
		if bkts != nil {
			n := strings.IndexByte(lits, '}') + 1
			idx, lits = nullText{lits[:n], true}, lits[n:]
			n = strings.IndexByte(lits, '}') + 1
			cnt, lits = nullText{lits[:n], true}, lits[n:]
		}
		b.buckets[0] = append(b.buckets[0], idx)
		b.buckets[1] = append(b.buckets[1], cnt)
	}
	b.litsOK = true
}

// drop takes the rows of the series in ids out of the batch.
func (b *batch) drop(ids map[int64]bool) {
	if len(ids) == 0 {
		return
	}
	keep := 0
	for i, id := range b.ids {
		if ids[id.v] {
			continue
		}
		b.ids[keep] = id
		for c := range b.ints {
			b.ints[c][keep] = b.ints[c][i]
		}
		for c := range b.floats {
			b.floats[c][keep] = b.floats[c][i]
		}
		b.bkts[keep] = b.bkts[i]
		keep++
	}
	b.ids = b.ids[:keep]
	for c := range b.ints {
		b.ints[c] = b.ints[c][:keep]
	}
	for c := range b.floats {
		b.floats[c] = b.floats[c][:keep]
	}
	b.bkts = b.bkts[:keep]
	b.litsOK = false
}

// copyReader is the batch as COPY data in binary format (see "Binary
// Format" in the PostgreSQL documentation of COPY): a header, one tuple of
// copyFields fields per row, each field its length (-1 for NULL) and its
// value as the type's binary send function writes it, then a trailer. Rows
// are encoded as they are read, a buffer at a time.
//
// pgconn reads it from a goroutine of its own, which, when the connection
// fails, may still be reading after CopyFrom has returned. So Read holds a
// lock, and close, called once CopyFrom has returned, makes later reads
// fail without touching the batch, which the next flush reuses.
type copyReader struct {
	mu     sync.Mutex
	closed bool

	b    *batch
	ts   int64 // the snapshot time, in microseconds since 2000-01-01 UTC
	row  int   // the next row to encode; -1 before the header
	buf  []byte
	off  int // read position in buf
	done bool
}

// copyFields is the number of columns of vitals_points.
const copyFields = 2 + numInts + numFloats + 2

// The OIDs of the element types of bucket_idx and bucket_cnt.
const (
	int4OID = 23
	int8OID = 20
)

// copyHeader is the signature, the flags (no OIDs) and the length of the
// header extension (none).
const copyHeader = "PGCOPY\n\xff\r\n\x00" + "\x00\x00\x00\x00" + "\x00\x00\x00\x00"

// errCopyClosed is returned by the reads of a closed copyReader.
var errCopyClosed = errors.New("postgres: COPY data read after the COPY ended")

// newCopyReader reads b's rows at ts, encoding them in buf (reused). ts is
// encoded as pgx encodes a timestamptz parameter, truncated to the
// microsecond, so that a point written by COPY and the same point sent
// again by pointsSQL are equal.
func newCopyReader(b *batch, ts time.Time, buf []byte) *copyReader {
	const unixToY2K = 946_684_800 * 1_000_000
	return &copyReader{b: b, ts: ts.Unix()*1_000_000 + int64(ts.Nanosecond())/1000 - unixToY2K, row: -1, buf: buf[:0]}
}

func (r *copyReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, errCopyClosed
	}
	for r.off == len(r.buf) {
		if r.done {
			return 0, io.EOF
		}
		r.fill(len(p))
	}
	n := copy(p, r.buf[r.off:])
	r.off += n
	return n, nil
}

// close ends r's reads and returns its buffer, for the next copyReader.
func (r *copyReader) close() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	buf := r.buf
	r.buf, r.b = nil, nil
	return buf
}

// fill encodes the next rows into r.buf, about size bytes of them.
func (r *copyReader) fill(size int) {
	buf := r.buf[:0]
	if r.row < 0 {
		buf = append(buf, copyHeader...)
		r.row = 0
	}
	b := r.b
	for ; r.row < len(b.ids) && len(buf) < size; r.row++ {
		i := r.row
		buf = binary.BigEndian.AppendUint16(buf, copyFields)
		buf = appendCopyInt8(buf, nullInt8{b.ids[i].v, true})
		buf = appendCopyInt8(buf, nullInt8{r.ts, true})
		for c := range b.ints {
			buf = appendCopyInt8(buf, b.ints[c][i])
		}
		for c := range b.floats {
			f := b.floats[c][i]
			buf = appendCopyInt8(buf, nullInt8{int64(math.Float64bits(f.v)), f.valid})
		}
		buf = appendCopyBuckets(buf, b.bkts[i])
	}
	if r.row == len(b.ids) {
		buf = binary.BigEndian.AppendUint16(buf, 0xffff) // the trailer
		r.done = true
	}
	r.buf, r.off = buf, 0
}

// appendCopyInt8 appends an 8-byte field: an int8, or the bits of a float8.
func appendCopyInt8(buf []byte, v nullInt8) []byte {
	if !v.valid {
		return binary.BigEndian.AppendUint32(buf, math.MaxUint32) // -1: NULL
	}
	buf = binary.BigEndian.AppendUint32(buf, 8)
	return binary.BigEndian.AppendUint64(buf, uint64(v.v))
}

// appendCopyBuckets appends the bucket_idx (integer[]) and bucket_cnt
// (bigint[]) fields: NULL for no buckets, else a one-dimensional array
// with lower bound 1 and no NULL elements.
func appendCopyBuckets(buf []byte, bkts []metrics.Bucket) []byte {
	if bkts == nil {
		return binary.BigEndian.AppendUint64(buf, math.MaxUint64) // NULL, NULL
	}
	be := binary.BigEndian
	header := func(buf []byte, width int, oid uint32) []byte {
		buf = be.AppendUint32(buf, uint32(20+len(bkts)*(4+width))) // field length
		buf = be.AppendUint32(buf, 1)                              // dimensions
		buf = be.AppendUint32(buf, 0)                              // flags: no NULL elements
		buf = be.AppendUint32(buf, oid)                            // element type
		buf = be.AppendUint32(buf, uint32(len(bkts)))              // length of the dimension
		return be.AppendUint32(buf, 1)                             // its lower bound
	}
	buf = header(buf, 4, int4OID)
	for _, bk := range bkts {
		buf = be.AppendUint32(buf, 4)
		buf = be.AppendUint32(buf, uint32(bk.Index))
	}
	buf = header(buf, 8, int8OID)
	for _, bk := range bkts {
		buf = be.AppendUint32(buf, 8)
		buf = be.AppendUint64(buf, min(bk.Count, math.MaxInt64))
	}
	return buf
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

func (b *batch) reject(reason error) {
	if b.reason == nil {
		b.reason = reason
	}
	b.rejected++
}

func setRates(r *row, rates metrics.Rates) {
	for c, v := range [...]float64{rates.Rate1, rates.Rate5, rates.Rate15, rates.Mean} {
		r.floats[colRate1+c].set(v)
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

func compareTags(a, b metrics.Tag) int { return strings.Compare(a.Key, b.Key) }

// mergeTags appends to dst the union of two key-sorted tag lists, own's
// value winning when both hold a key.
func mergeTags(dst, defaults, own []metrics.Tag) []metrics.Tag {
	i, j := 0, 0
	for i < len(defaults) && j < len(own) {
		switch c := strings.Compare(defaults[i].Key, own[j].Key); {
		case c < 0:
			dst = append(dst, defaults[i])
			i++
		case c > 0:
			dst = append(dst, own[j])
			j++
		default:
			dst = append(dst, own[j])
			i++
			j++
		}
	}
	dst = append(dst, defaults[i:]...)
	return append(dst, own[j:]...)
}

// storable reports whether PostgreSQL can store the name and tags: text
// must be valid UTF-8 without NUL bytes.
func storable(name string, tags []metrics.Tag) bool {
	ok := func(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }
	if !ok(name) {
		return false
	}
	for _, t := range tags {
		if !ok(t.Key) || !ok(t.Value) {
			return false
		}
	}
	return true
}

// appendTagsJSON appends tags as a JSON object.
func appendTagsJSON(dst []byte, tags []metrics.Tag) []byte {
	dst = append(dst, '{')
	for i, t := range tags {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, t.Key)
		dst = append(dst, ':')
		dst = appendJSONString(dst, t.Value)
	}
	return append(dst, '}')
}

// appendJSONString appends s, valid UTF-8, as a JSON string.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

func appendBucketIndexes(dst []byte, buckets []metrics.Bucket) []byte {
	dst = append(dst, '{')
	for i, bk := range buckets {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendInt(dst, int64(bk.Index), 10)
	}
	return append(dst, '}')
}

func appendBucketCounts(dst []byte, buckets []metrics.Bucket) []byte {
	dst = append(dst, '{')
	for i, bk := range buckets {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendUint(dst, min(bk.Count, math.MaxInt64), 10)
	}
	return append(dst, '}')
}
