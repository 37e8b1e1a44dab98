package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// The consumed position is kept in the file "position" as two 32-byte
// slots, at offsets 0 and 512 (different disk sectors). Each write goes to
// the slot its generation selects, so a write torn by a power loss damages
// only that slot and the other still holds the previous position:
//
//	offset  size  field
//	0       4     "VSPP"
//	4       8     generation, counting writes
//	12      8     segment number
//	20      8     offset in that segment
//	28      4     CRC-32C of bytes 0-27
//
// A position (seg, off) says that every record before offset off of segment
// seg, and every segment numbered below seg, has been consumed.
const (
	positionName = "position"
	positionSize = 1024
	slotSize     = 32
	slotStride   = 512
	slotMagic    = "VSPP"
)

// position is where the oldest unconsumed record is.
type position struct {
	seg uint64
	off int64
}

// positionFile persists the consumed position.
type positionFile struct {
	f   *os.File
	gen uint64
	buf [slotSize]byte
}

// openPosition opens or creates dir's position file and reads it. A file
// whose both slots are damaged gives the zero position, with an error
// saying so, that the caller logs: every record still on disk is then
// offered again.
func openPosition(dir string) (pf *positionFile, pos position, damaged error, err error) {
	path := dir + string(os.PathSeparator) + positionName
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = createPosition(dir, path)
		if err != nil {
			return nil, position{}, nil, err
		}
		return &positionFile{f: f}, position{}, nil, nil
	}
	if err != nil {
		return nil, position{}, nil, err
	}
	pf = &positionFile{f: f}
	var best *slot
	written := false
	for i := range 2 {
		var b [slotSize]byte
		if _, err := f.ReadAt(b[:], int64(i*slotStride)); err != nil && !errors.Is(err, io.EOF) {
			f.Close()
			return nil, position{}, nil, err
		}
		written = written || b != [slotSize]byte{}
		if s, ok := parseSlot(b[:]); ok && (best == nil || s.gen > best.gen) {
			best = &s
		}
	}
	if !written { // created, but no position written yet
		return pf, position{}, nil, nil
	}
	if best == nil {
		return pf, position{}, fmt.Errorf("%s: both slots damaged; the records still on disk are offered again", path), nil
	}
	pf.gen = best.gen
	return pf, best.pos, nil, nil
}

// createPosition creates the position file at its full size, so that later
// writes never need a new disk block (they succeed on a full disk).
func createPosition(dir, path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(make([]byte, positionSize)); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	if err := syncDir(dir); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

type slot struct {
	gen uint64
	pos position
}

func parseSlot(b []byte) (slot, bool) {
	if string(b[:4]) != slotMagic || binary.LittleEndian.Uint32(b[28:]) != checksum(b[:28]) {
		return slot{}, false
	}
	off := binary.LittleEndian.Uint64(b[20:])
	if off > 1<<62 {
		return slot{}, false
	}
	return slot{
		gen: binary.LittleEndian.Uint64(b[4:]),
		pos: position{seg: binary.LittleEndian.Uint64(b[12:]), off: int64(off)},
	}, true
}

// write persists pos durably (written and fsynced) before it returns.
func (pf *positionFile) write(pos position) error {
	gen := pf.gen + 1
	b := pf.buf[:]
	copy(b, slotMagic)
	binary.LittleEndian.PutUint64(b[4:], gen)
	binary.LittleEndian.PutUint64(b[12:], pos.seg)
	binary.LittleEndian.PutUint64(b[20:], uint64(pos.off))
	binary.LittleEndian.PutUint32(b[28:], checksum(b[:28]))
	if _, err := pf.f.WriteAt(b, int64(gen%2)*slotStride); err != nil {
		return fmt.Errorf("spool: writing the consumed position: %w", err)
	}
	if err := pf.f.Sync(); err != nil {
		return fmt.Errorf("spool: syncing the consumed position: %w", err)
	}
	pf.gen = gen
	return nil
}

func (pf *positionFile) close() error { return pf.f.Close() }

// syncDir fsyncs a directory, making the creation or removal of its files
// durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
