package spool

import (
	"encoding/binary"
	"hash/crc32"
	"math"
)

// A record on disk is a 20-byte header and a payload:
//
//	offset  size  field
//	0       4     payload length, little-endian; the top bit marks a skip
//	              region (see below) instead of a record
//	4       8     points (Record.Points)
//	12      4     CRC-32C of the payload
//	16      4     CRC-32C of bytes 0-15
//	20      n     payload: formatVersion, then the snapshot (codec.go)
//
// The header has its own checksum so that the points of a record whose
// payload is damaged are still known, and a record's length is trusted only
// when its header checks. A skip region is a damaged stretch of a segment
// that Open found and overwrote with a header (points 0, payload checksum
// 0) so that the next Open passes over it without counting it again.
const headerSize = 20

const (
	skipFlag   = 1 << 31
	maxPayload = 1 << 30 // a larger snapshot is refused by Append
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func checksum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// header is a record's decoded header.
type header struct {
	length uint32 // payload bytes
	skip   bool   // a skip region of length bytes, not a record
	points int64
	crc    uint32 // of the payload
}

// put writes h into b[:headerSize].
func (h header) put(b []byte) {
	n := h.length
	if h.skip {
		n |= skipFlag
	}
	binary.LittleEndian.PutUint32(b[0:], n)
	binary.LittleEndian.PutUint64(b[4:], uint64(h.points))
	binary.LittleEndian.PutUint32(b[12:], h.crc)
	binary.LittleEndian.PutUint32(b[16:], checksum(b[:16]))
}

// parseHeader decodes b[:headerSize]; ok is false when its checksum fails
// or a field is impossible.
func parseHeader(b []byte) (h header, ok bool) {
	if len(b) < headerSize || binary.LittleEndian.Uint32(b[16:]) != checksum(b[:16]) {
		return header{}, false
	}
	n := binary.LittleEndian.Uint32(b[0:])
	points := binary.LittleEndian.Uint64(b[4:])
	h = header{length: n &^ skipFlag, skip: n&skipFlag != 0, points: int64(points), crc: binary.LittleEndian.Uint32(b[12:])}
	switch {
	case points > math.MaxInt64:
		return header{}, false
	case h.skip:
		return h, h.points == 0 && h.crc == 0
	default:
		return h, h.length > 0 && h.length <= maxPayload
	}
}
