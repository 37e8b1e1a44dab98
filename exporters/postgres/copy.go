package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"sync"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// A large flush is copied in parts, each of a range of series ids, in
// connections of its own at once: the server inserts each part in a
// backend of its own, on its own core, while this process encodes. A part
// holds at least rowsPerCopy rows, and there are at most maxCopies parts
// (fewer when the pool has fewer connections). Measured on 2 cores shared
// by the client and the server, a flush of 100,000 series is written 20 to
// 50% faster in 2 to 4 parts than in one, one of 10,000 no faster: a part
// costs a connection and a round trip.
//
// Each part is a COPY of its own, so its own transaction: when one fails,
// the others may be stored. writePoints then writes the whole batch again
// by INSERT ... ON CONFLICT DO NOTHING (at once on a unique violation, or
// when the Reporter retries the snapshot), which stores the missing parts
// and skips the stored ones: a flush is stored whole once Export returns
// nil, never twice, but a reader may see part of it before.
const (
	rowsPerCopy = 25_000
	maxCopies   = 4
)

// copyPoints copies the batch into the partition of ts's day, in parts
// (see rowsPerCopy), and returns the error of the first part that failed.
// Once every part is stored, it marks ts's minute for the rollups when ts
// is late (see rollup_mark.go); a failure to mark is returned as well, so
// that the snapshot is written again, and marked, by pointsSQL.
func (e *Exporter) copyPoints(ctx context.Context, ts time.Time) error {
	w, rows := e.w, len(e.w.b.ids)
	parts := max(1, min(rows/rowsPerCopy, maxCopies, int(e.pool.Config().MaxConns)))
	for len(w.copyBufs) < parts {
		w.copyBufs = append(w.copyBufs, nil)
	}
	sql := copySQL(e.n, dayOf(ts))
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for i := range parts {
		lo, hi := rows*i/parts, rows*(i+1)/parts
		wg.Go(func() {
			conn, err := e.pool.Acquire(ctx)
			if err != nil {
				errs[i] = err
				return
			}
			defer conn.Release()
			r := newCopyReader(&w.b, lo, hi, ts, w.copyBufs[i])
			_, errs[i] = conn.Conn().PgConn().CopyFrom(ctx, r, sql)
			w.copyBufs[i] = r.close()
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	if e.rollups.late(ts) {
		return e.rollups.mark(ctx, ts)
	}
	return nil
}

// copyReader is rows of the batch as COPY data in binary format (see "Binary
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

	b      *batch
	ts     int64 // the snapshot time, in microseconds since 2000-01-01 UTC
	row    int   // the next row to encode
	end    int   // the row after the last to encode
	header bool  // the header is encoded
	buf    []byte
	off    int // read position in buf
	done   bool
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

// newCopyReader reads b's rows lo to hi-1 at ts, encoding them in buf
// (reused). ts is encoded as pgx encodes a timestamptz parameter,
// truncated to the microsecond, so that a point written by COPY and the
// same point sent again by pointsSQL are equal.
func newCopyReader(b *batch, lo, hi int, ts time.Time, buf []byte) *copyReader {
	const unixToY2K = 946_684_800 * 1_000_000
	return &copyReader{b: b, ts: ts.Unix()*1_000_000 + int64(ts.Nanosecond())/1000 - unixToY2K, row: lo, end: hi, buf: buf[:0]}
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
	if !r.header {
		buf = append(buf, copyHeader...)
		r.header = true
	}
	b := r.b
	for ; r.row < r.end && len(buf) < size; r.row++ {
		s := b.series[r.row]
		var row row
		row.fill(s)
		buf = binary.BigEndian.AppendUint16(buf, copyFields)
		buf = appendCopyInt8(buf, b.ids[r.row])
		buf = appendCopyInt8(buf, nullInt8{r.ts, true})
		for _, v := range row.ints {
			buf = appendCopyInt8(buf, v)
		}
		for _, f := range row.floats {
			buf = appendCopyInt8(buf, nullInt8{int64(math.Float64bits(f.v)), f.valid})
		}
		buf = appendCopyBuckets(buf, pointBuckets(s))
	}
	if r.row == r.end {
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
