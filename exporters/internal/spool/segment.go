package spool

import (
	"fmt"
	"strconv"
	"strings"
)

// Segment files are named by their number, 16 hexadecimal digits and
// ".seg", so that a directory listing is in the order they were written.
const segSuffix = ".seg"

func segName(num uint64) string { return fmt.Sprintf("%016x%s", num, segSuffix) }

// parseSegName returns the number of a segment file, ok false for other
// files.
func parseSegName(name string) (num uint64, ok bool) {
	hex, found := strings.CutSuffix(name, segSuffix)
	if !found || len(hex) != 16 {
		return 0, false
	}
	num, err := strconv.ParseUint(hex, 16, 64)
	return num, err == nil
}

// recInfo locates one unconsumed record in its segment.
type recInfo struct {
	off    int64 // of its header
	length uint32
	points int64
	own    bool // appended through this Spool, not found by Open
}

// end is the offset just past the record.
func (r recInfo) end() int64 { return r.off + headerSize + int64(r.length) }

// segment is one segment file: its unconsumed records, in order.
type segment struct {
	num  uint64
	size int64 // of the file
	recs []recInfo
}

// scan is what scanSegment found in a segment file.
type scan struct {
	recs []recInfo
	skip []skipRegion // damaged stretches to mark, so that they are counted once
	size int64        // the file's size without its torn tail

	badRecords     int   // records whose header checks but whose payload does not
	badPoints      int64 // their points
	unreadable     int   // stretches whose record header is damaged: at least one record each, points unknown
	unreadableSize int64
	tornSize       int64 // bytes cut off at the end; 0 if none
	tornPoints     int64 // the points of the torn record, -1 if unknown (its header is unreadable)
}

// lost is the points of the damaged records whose headers tell them.
func (sc *scan) lost() int64 { return sc.badPoints + max(sc.tornPoints, 0) }

// skipRegion is a damaged stretch of a segment that starts with room for a
// header: off is where the header goes, length the bytes after it.
type skipRegion struct {
	off    int64
	length uint32
}

// damaged reports whether the scan found anything to skip.
func (sc *scan) damaged() bool {
	return sc.badRecords > 0 || sc.unreadable > 0 || sc.tornSize > 0
}

// scanSegment reads the records of a segment file's contents from offset
// start, which is a record boundary. It never panics, whatever data holds.
func scanSegment(data []byte, start int64) scan {
	sc := scan{size: int64(len(data))}
	size := int64(len(data))
	o := start
	for o < size {
		h, ok := parseHeader(data[o:])
		if ok {
			end := o + headerSize + int64(h.length)
			switch {
			case end > size && h.skip:
				sc.torn(o, -1)
				return sc
			case end > size:
				sc.torn(o, h.points)
				return sc
			case h.skip:
			case checksum(data[o+headerSize:end]) != h.crc:
				sc.badRecords++
				sc.badPoints += h.points
				sc.skip = append(sc.skip, skipRegion{off: o, length: h.length})
			default:
				sc.recs = append(sc.recs, recInfo{off: o, length: h.length, points: h.points})
			}
			o = end
			continue
		}
		next := resync(data, o+1)
		if next < 0 {
			sc.torn(o, -1)
			return sc
		}
		sc.unreadable++
		sc.unreadableSize += next - o
		if n := next - o - headerSize; n >= 0 && n < skipFlag {
			sc.skip = append(sc.skip, skipRegion{off: o, length: uint32(n)})
		}
		o = next
	}
	return sc
}

// torn records that the file is cut off at o.
func (sc *scan) torn(o, points int64) {
	sc.tornSize = sc.size - o
	sc.tornPoints = points
	sc.size = o
}

// resync returns the first offset from o at which an intact record or skip
// region starts, or -1.
func resync(data []byte, o int64) int64 {
	size := int64(len(data))
	for ; o+headerSize <= size; o++ {
		h, ok := parseHeader(data[o:])
		if !ok {
			continue
		}
		end := o + headerSize + int64(h.length)
		if end > size {
			continue
		}
		if h.skip || checksum(data[o+headerSize:end]) == h.crc {
			return o
		}
	}
	return -1
}

// describe says in words what the scan skipped, for the log.
func (sc *scan) describe() string {
	var parts []string
	if n := sc.badRecords; n > 0 {
		parts = append(parts, fmt.Sprintf("%d record(s) failing their checksum, %d points counted as lost", n, sc.badPoints))
	}
	if n := sc.unreadable; n > 0 {
		parts = append(parts, fmt.Sprintf("%d stretch(es) of %d bytes whose record header is damaged, at least one record each, their points unknown and not counted", n, sc.unreadableSize))
	}
	if sc.tornSize > 0 {
		what := "a record whose header is unreadable, its points unknown and not counted"
		if sc.tornPoints >= 0 {
			what = fmt.Sprintf("a record of %d points, counted as lost", sc.tornPoints)
		}
		parts = append(parts, fmt.Sprintf("a torn last write of %d bytes (%s), cut off", sc.tornSize, what))
	}
	return strings.Join(parts, "; ")
}
