package spool

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/vitals-go/vitals/metrics"
)

// Record is one spooled snapshot.
type Record struct {
	Snap   metrics.Snapshot // as it was appended, Seq included
	Points int              // the points the worker counted for it, carried across restarts
	// Own, set by Peek, says that the record was appended through this
	// Spool, not found on disk by Open (an earlier process spooled it).
	// Append ignores it.
	Own bool
}

// ErrLocked is wrapped by the error Open returns when another process (or
// another open Spool of this process) holds the directory's lock.
var ErrLocked = errors.New("spool: directory in use by another spool")

// errClosed is returned by every method after Close.
var errClosed = errors.New("spool: closed")

// Stats describes what a Spool holds.
type Stats struct {
	Records int   // records not yet popped
	Points  int64 // their points
	Bytes   int64 // the size of the segment files, consumed parts included
	// Lost is the points of damaged records skipped since Open: found by
	// Open's scan, or by a Peek when a file changed since; and, after
	// Close, those of a record that Close lost (see Close). The caller
	// counts its increase as dropped. Damaged records whose header is
	// unreadable are logged but not in Lost: their points are unknown.
	Lost int64
}

// Spool is a bounded, crash-safe queue of Records in one directory, kept
// across restarts of the process. Its methods are safe for concurrent use.
type Spool struct {
	mu       sync.Mutex
	dir      string
	maxBytes int64
	segMax   int64 // a segment takes records up to this size
	logger   *slog.Logger

	lock    *os.File
	pos     *positionFile
	segs    []*segment // oldest first
	active  *os.File   // the last segment, open for appending; nil until the first Append
	reader  *os.File   // segs[0], open for reading; nil until a Peek
	readNum uint64     // the segment reader is open on
	nextNum uint64     // the number of the next segment
	enc     encoder
	peeked  *Record // the head record, decoded by Peek, until it is popped
	// detached says that the cap removed the peeked record's segment while
	// it was being exported: it is kept here, and counted in Stats, until
	// Pop, so that the caller counts it once (see dropHead).
	detached bool
	closed   bool

	records int
	points  int64
	bytes   int64
	lost    int64
}

// Open opens dir for one exporter, creating it (0o700) if needed, and takes
// an exclusive lock (flock on dir/LOCK, released when the process dies). If
// another process holds the lock, Open returns an error wrapping ErrLocked
// that names the holder's pid. It scans the existing segment files: records
// that fail their checksum, and a torn last record, are skipped and reported
// through logger (one line per file: what was skipped and why); the points
// they held are returned in Stats.Lost so that the caller can count them as
// dropped. The damaged parts are marked (or cut off) so that a later Open
// does not count them again.
//
// maxBytes caps the size of the segment files; it must be positive. A nil
// logger discards the log.
func Open(dir string, maxBytes int64, logger *slog.Logger) (*Spool, error) {
	if maxBytes <= 0 {
		return nil, fmt.Errorf("spool: maxBytes is %d; it must be positive", maxBytes)
	}
	if dir == "" {
		return nil, errors.New("spool: no directory")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s := &Spool{dir: dir, maxBytes: maxBytes, segMax: segmentMax(maxBytes), logger: logger, lock: lock}
	if err := s.load(); err != nil {
		s.closeFiles()
		return nil, err
	}
	return s, nil
}

// segmentMax is the size at which a segment is full: a small part of the
// cap, since the cap drops whole segments.
func segmentMax(maxBytes int64) int64 {
	return min(max(maxBytes/32, 4<<10), 64<<20)
}

// load reads the consumed position and scans the segments after it.
func (s *Spool) load() error {
	pf, pos, damaged, err := openPosition(s.dir)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	s.pos = pf
	if damaged != nil {
		s.logger.Error("spool: the consumed position is damaged; records may be offered again", "error", damaged)
	}
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	s.nextNum = pos.seg + 1
	removed := false
	for _, e := range entries { // sorted by name, so by number
		num, ok := parseSegName(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		s.nextNum = max(s.nextNum, num+1)
		path := filepath.Join(s.dir, e.Name())
		var seg *segment
		if num >= pos.seg {
			start := int64(0)
			if num == pos.seg {
				start = pos.off
			}
			if seg, err = s.loadSegment(path, num, start); err != nil {
				return err
			}
		}
		if seg == nil { // consumed, or nothing left in it
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("spool: removing a consumed segment: %w", err)
			}
			removed = true
			continue
		}
		s.segs = append(s.segs, seg)
		s.bytes += seg.size
		s.records += len(seg.recs)
		for _, r := range seg.recs {
			s.points += r.points
		}
	}
	if removed {
		if err := syncDir(s.dir); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
	}
	return nil
}

// loadSegment scans one segment file from offset start and repairs what it
// found damaged. It returns nil when no record is left in it.
func (s *Spool) loadSegment(path string, num uint64, start int64) (*segment, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	sc := scanSegment(data, start)
	if sc.damaged() {
		s.lost += sc.lost()
		attrs := []any{"file", path, "lost_points", sc.lost(), "detail", sc.describe()}
		if len(sc.recs) > 0 {
			if err := repair(path, &sc); err != nil {
				attrs = append(attrs, "repair_error", err.Error())
			}
		}
		s.logger.Warn("spool: skipped damaged records", attrs...)
	}
	if len(sc.recs) == 0 {
		return nil, nil
	}
	return &segment{num: num, size: sc.size, recs: sc.recs}, nil
}

// repair marks the damaged stretches that a scan found and cuts off a torn
// tail, so that the next Open skips them silently instead of counting them
// again.
func repair(path string, sc *scan) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	var b [headerSize]byte
	for _, r := range sc.skip {
		header{length: r.length, skip: true}.put(b[:])
		if _, err := f.WriteAt(b[:], r.off); err != nil {
			f.Close()
			return err
		}
	}
	if sc.tornSize > 0 {
		if err := f.Truncate(sc.size); err != nil {
			f.Close()
			return err
		}
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Append writes rec at the end. If the spool would exceed maxBytes, the
// oldest records are removed first (whole segments) and their points
// returned as dropped; a record larger than maxBytes by itself is not
// written and its points are returned as dropped. A write error (disk full,
// EIO) returns err and loses nothing already spooled: what was written of
// rec is cut off again, and the caller counts rec as dropped. droppedPoints
// counts the oldest records removed for room even when err is not nil.
//
// The record that Peek returned and that is not popped yet (being exported)
// is never counted as dropped: its segment is removed last, and if the cap
// removes it anyway, the record stays in memory (and in Stats) until its
// Pop.
//
// The record is on disk (fsynced) when Append returns nil.
func (s *Spool) Append(rec Record) (droppedPoints int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, errClosed
	}
	if rec.Points < 0 {
		return 0, fmt.Errorf("spool: a record of %d points", rec.Points)
	}
	buf := s.enc.encode(headerSize, &rec.Snap)
	n := len(buf) - headerSize
	size := int64(len(buf))
	if size > s.maxBytes || n > maxPayload {
		return rec.Points, nil
	}
	header{length: uint32(n), points: int64(rec.Points), crc: checksum(buf[headerSize:])}.put(buf)
	dropped, err := s.makeRoom(size)
	if err != nil {
		return int(dropped), err
	}
	if last := s.last(); s.active == nil || last.size > 0 && last.size+size > s.segMax {
		if err := s.rotate(); err != nil {
			return int(dropped), err
		}
	}
	seg := s.last()
	if err := s.write(seg, buf); err != nil {
		return int(dropped), err
	}
	seg.recs = append(seg.recs, recInfo{off: seg.size, length: uint32(n), points: int64(rec.Points), own: true})
	seg.size += size
	s.bytes += size
	s.records++
	s.points += int64(rec.Points)
	return int(dropped), nil
}

// last returns the newest segment, or nil.
func (s *Spool) last() *segment {
	if len(s.segs) == 0 {
		return nil
	}
	return s.segs[len(s.segs)-1]
}

// write appends buf to seg, the active segment, and fsyncs it. On error it
// cuts the file back to its size before.
func (s *Spool) write(seg *segment, buf []byte) error {
	_, err := s.active.WriteAt(buf, seg.size)
	if err == nil {
		err = s.active.Sync()
	}
	if err == nil {
		return nil
	}
	if terr := s.active.Truncate(seg.size); terr != nil {
		// Whatever was written stays at the end of this segment; start
		// the next record in a new one. The next Open cuts it off.
		s.logger.Error("spool: cannot cut off a failed write", "segment", segName(seg.num), "error", terr)
		s.active.Close()
		s.active = nil
	} else if serr := s.active.Sync(); serr != nil {
		s.logger.Error("spool: cannot sync a segment after a failed write", "segment", segName(seg.num), "error", serr)
	}
	return fmt.Errorf("spool: writing %s: %w", segName(seg.num), err)
}

// makeRoom removes the oldest segments until size more bytes fit under the
// cap, and returns the points they held. The segment of a record that Peek
// returned and that is not popped yet (being exported) is removed last:
// while another is left, the next oldest goes instead.
func (s *Spool) makeRoom(size int64) (dropped int64, err error) {
	for s.bytes+size > s.maxBytes && len(s.segs) > 0 {
		var points int64
		if s.peeked != nil && !s.detached && len(s.segs) > 1 {
			points, err = s.dropSecond()
		} else {
			points, err = s.dropHead()
		}
		if err != nil {
			return dropped, err
		}
		dropped += points
	}
	return dropped, nil
}

// dropHead consumes the records left in segs[0], durably, removes it, and
// returns their points. A record that Peek returned and that is not popped
// yet is being exported: it is not counted as dropped but detached, kept in
// memory until its Pop, for the caller to count as the export ends.
func (s *Spool) dropHead() (points int64, err error) {
	seg := s.segs[0]
	if err := s.pos.write(position{seg: seg.num + 1}); err != nil {
		return 0, err
	}
	recs := seg.recs
	if s.peeked != nil && !s.detached {
		recs = recs[1:]
		s.detached = true
	}
	points = sumPoints(recs)
	s.records -= len(recs)
	s.points -= points
	s.remove(0)
	return points, nil
}

// dropSecond removes segs[1], durably (the directory is synced: the
// position does not cover it), and returns its records' points.
func (s *Spool) dropSecond() (points int64, err error) {
	seg := s.segs[1]
	if err := os.Remove(filepath.Join(s.dir, segName(seg.num))); err != nil {
		return 0, fmt.Errorf("spool: %w", err)
	}
	if err := syncDir(s.dir); err != nil {
		return 0, fmt.Errorf("spool: %w", err)
	}
	points = sumPoints(seg.recs)
	s.records -= len(seg.recs)
	s.points -= points
	s.forget(1)
	return points, nil
}

func sumPoints(recs []recInfo) (n int64) {
	for _, r := range recs {
		n += r.points
	}
	return n
}

// remove removes segs[i], which the position says is consumed.
func (s *Spool) remove(i int) {
	num := s.segs[i].num
	s.forget(i)
	if err := os.Remove(filepath.Join(s.dir, segName(num))); err != nil {
		// The position says it is consumed: the next Open removes it.
		s.logger.Error("spool: cannot remove a consumed segment", "error", err)
	}
}

// forget drops segs[i] from memory, closing its files.
func (s *Spool) forget(i int) {
	seg := s.segs[i]
	s.segs = slices.Delete(s.segs, i, i+1)
	s.bytes -= seg.size
	if s.reader != nil && s.readNum == seg.num {
		s.reader.Close()
		s.reader = nil
	}
	if i == len(s.segs) && s.active != nil { // it was the last, the active one
		s.active.Close()
		s.active = nil
	}
}

// rotate starts a new segment for appending.
func (s *Spool) rotate() error {
	if s.active != nil {
		s.active.Close()
		s.active = nil
	}
	if last := s.last(); last != nil && len(last.recs) == 0 {
		s.remove(len(s.segs) - 1) // all popped, or a first write failed
	}
	num := s.nextNum
	f, err := os.OpenFile(filepath.Join(s.dir, segName(num)), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if err := syncDir(s.dir); err != nil {
		f.Close()
		os.Remove(filepath.Join(s.dir, segName(num)))
		return fmt.Errorf("spool: %w", err)
	}
	s.nextNum++
	s.active = f
	s.segs = append(s.segs, &segment{num: num})
	return nil
}

// Peek returns the oldest record without removing it (rec.Own tells one
// appended through this Spool from one an earlier process left); ok is
// false when the spool is empty. A record found damaged now (its file
// changed since Open) is skipped and logged, and its points are added to
// Stats.Lost. rec shares memory with later Peeks of the same record: do
// not modify it.
func (s *Spool) Peek() (rec Record, ok bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Record{}, false, errClosed
	}
	if s.peeked != nil {
		return *s.peeked, true, nil
	}
	for s.records > 0 {
		seg, r := s.segs[0], s.segs[0].recs[0]
		path := filepath.Join(s.dir, segName(seg.num))
		payload, err := s.read(seg, r)
		if errors.Is(err, fs.ErrNotExist) {
			// Removed by someone else: every record in it is gone.
			s.logger.Warn("spool: a segment file disappeared; its records are lost", "file", path,
				"records", len(seg.recs), "lost_points", sumPoints(seg.recs))
			lost, err := s.dropHead()
			if err != nil {
				return Record{}, false, err
			}
			s.lost += lost
			continue
		}
		var snap metrics.Snapshot
		if err == nil {
			snap, err = decodeSnapshot(payload)
			if err == nil {
				s.peeked = &Record{Snap: snap, Points: int(r.points), Own: r.own}
				return *s.peeked, true, nil
			}
			err = fmt.Errorf("%w: %w", errDamaged, err)
		}
		if !errors.Is(err, errDamaged) {
			return Record{}, false, err
		}
		s.logger.Warn("spool: skipped a damaged record", "file", path, "offset", r.off, "lost_points", r.points, "error", err)
		if err := s.popLocked(); err != nil {
			return Record{}, false, err
		}
		s.lost += r.points
	}
	return Record{}, false, nil
}

// errDamaged marks a record whose bytes are no longer those written.
var errDamaged = errors.New("damaged record")

// read reads record r of seg, which is segs[0], and returns its payload. Its
// error wraps errDamaged when the bytes are no longer those written, and
// fs.ErrNotExist when the file is gone.
func (s *Spool) read(seg *segment, r recInfo) ([]byte, error) {
	if s.reader == nil || s.readNum != seg.num {
		if s.reader != nil {
			s.reader.Close()
			s.reader = nil
		}
		f, err := os.Open(filepath.Join(s.dir, segName(seg.num)))
		if err != nil {
			return nil, fmt.Errorf("spool: %w", err)
		}
		s.reader, s.readNum = f, seg.num
	}
	buf := make([]byte, headerSize+int64(r.length))
	if _, err := s.reader.ReadAt(buf, r.off); errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: the file is shorter than when it was written", errDamaged)
	} else if err != nil {
		return nil, fmt.Errorf("spool: reading %s: %w", segName(seg.num), err)
	}
	h, ok := parseHeader(buf)
	if !ok || h.skip || h.length != r.length || h.points != r.points {
		return nil, fmt.Errorf("%w: its header changed", errDamaged)
	}
	if checksum(buf[headerSize:]) != h.crc {
		return nil, fmt.Errorf("%w: checksum mismatch", errDamaged)
	}
	return buf[headerSize:], nil
}

// Pop removes the oldest record (after the caller counted it: exported,
// rejected or dropped). It is durable before it returns (the consumed
// position is written and fsynced), so that after a crash at most the one
// record being exported can be offered again. If Pop returns an error the
// record stays at the head.
func (s *Spool) Pop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	if s.records == 0 {
		return errors.New("spool: Pop of an empty spool")
	}
	if s.detached { // its segment is gone already
		s.records--
		s.points -= int64(s.peeked.Points)
		s.peeked, s.detached = nil, false
		return nil
	}
	return s.popLocked()
}

// popLocked removes the head record; s.records > 0.
func (s *Spool) popLocked() error {
	seg := s.segs[0]
	r := seg.recs[0]
	if err := s.pos.write(position{seg: seg.num, off: r.end()}); err != nil {
		return err
	}
	seg.recs = seg.recs[1:]
	s.records--
	s.points -= r.points
	s.peeked = nil
	if len(seg.recs) == 0 && (len(s.segs) > 1 || s.active == nil) {
		s.remove(0)
	}
	return nil
}

// Stats returns what the spool holds now.
func (s *Spool) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Records: s.records, Points: s.points, Bytes: s.bytes, Lost: s.lost}
}

// Close releases the lock; records stay on disk for the next Open. A
// second Close returns nil. A record that Peek returned, that the cap
// removed from the disk since (see Append) and that is not popped yet is
// lost: Close logs it and moves its points from Stats.Points to
// Stats.Lost, for the caller to count as dropped (Stats still answers
// after Close).
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.detached {
		s.logger.Error("spool: closed while exporting a record that the cap had removed from the disk; it is lost",
			"seq", s.peeked.Snap.Seq, "points", s.peeked.Points)
		s.records--
		s.points -= int64(s.peeked.Points)
		s.lost += int64(s.peeked.Points)
		s.detached = false
	}
	return s.closeFiles()
}

// closeFiles closes every file, the lock last, and returns the first error.
func (s *Spool) closeFiles() error {
	var errs []error
	for _, f := range []*os.File{s.active, s.reader} {
		if f != nil {
			errs = append(errs, f.Close())
		}
	}
	if s.pos != nil {
		errs = append(errs, s.pos.close())
	}
	errs = append(errs, s.lock.Close())
	s.active, s.reader, s.peeked = nil, nil, nil
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}
