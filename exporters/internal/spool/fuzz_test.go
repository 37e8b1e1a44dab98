package spool

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpen: Open of a directory whose segment and position files hold any
// bytes never panics, Peek and Pop read what it found, and the next Open
// counts nothing as lost again (the damage was marked or cut off).
func FuzzOpen(f *testing.F) {
	seg, pos := seedFiles(f)
	f.Add(seg, pos)
	f.Add(seg, []byte(nil))
	f.Add(seg[:len(seg)-3], pos)
	f.Add(seg[:headerSize-1], []byte(nil))
	damaged := bytes.Clone(seg)
	damaged[len(damaged)/2] ^= 0xff
	f.Add(damaged, pos)
	damaged = bytes.Clone(seg)
	damaged[4] ^= 1 // a header
	f.Add(damaged, pos)
	f.Add(bytes.Repeat([]byte{0xff}, 100), bytes.Repeat([]byte{0xff}, 600))
	f.Add(make([]byte, 64), make([]byte, positionSize))
	var huge [headerSize]byte
	header{length: maxPayload, points: 9, crc: 1}.put(huge[:])
	f.Add(huge[:], []byte(nil))
	header{length: 1000, skip: true}.put(huge[:])
	f.Add(huge[:], []byte(nil))

	f.Fuzz(func(t *testing.T, seg, pos []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, segName(1)), seg, 0o600); err != nil {
			t.Fatal(err)
		}
		if pos != nil {
			if err := os.WriteFile(filepath.Join(dir, positionName), pos, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		s, err := Open(dir, 1<<20, nil)
		if err != nil {
			t.Fatal(err)
		}
		st := s.Stats()
		if st.Records < 0 || st.Points < 0 || st.Lost < 0 || st.Bytes < 0 || st.Bytes > int64(len(seg)) {
			t.Fatalf("Stats %+v of a %d-byte segment", st, len(seg))
		}
		n := 0
		for {
			_, ok, err := s.Peek()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			if err := s.Pop(); err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n > st.Records {
			t.Fatalf("%d records read, Stats said %d", n, st.Records)
		}
		mustAppend(t, s, Record{Snap: seqSnap(1), Points: 1})
		s.Close()
		s = mustOpen(t, dir, 1<<20, nil)
		defer s.Close()
		if st := s.Stats(); st.Lost != 0 || st.Records != 1 {
			t.Fatalf("second Open: Stats %+v, want the one new record and nothing lost again", st)
		}
	})
}

// seedFiles returns the segment and position files of a spool of three
// records of which the first was popped.
func seedFiles(f *testing.F) (seg, pos []byte) {
	dir := f.TempDir()
	s := mustOpen(f, dir, 1<<20, nil)
	for i := range uint64(3) {
		mustAppend(f, s, Record{Snap: seqSnap(i + 1), Points: int(i + 1)})
	}
	if err := s.Pop(); err != nil {
		f.Fatal(err)
	}
	s.Close()
	seg, err := os.ReadFile(filepath.Join(dir, segName(1)))
	if err != nil {
		f.Fatal(err)
	}
	pos, err = os.ReadFile(filepath.Join(dir, positionName))
	if err != nil {
		f.Fatal(err)
	}
	return seg, pos
}
