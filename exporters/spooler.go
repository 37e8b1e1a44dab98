package exporters

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vitals-go/vitals/exporters/internal/spool"
	"github.com/vitals-go/vitals/metrics"
)

// replaySeqBase is the first Seq offered for a snapshot that an earlier
// process spooled. Its own Seq counted another registry's intervals, so it
// could equal that of the snapshot this process exported just before and
// make the exporter take it for a retry; the Seqs from replaySeqBase up
// are never those of a registry (it would take 2⁶³ intervals).
const replaySeqBase = 1 << 63

// spoolRetryEvery is how often an exporter whose spool directory another
// process holds (spool.ErrLocked: the previous process of the service
// still flushing its Shutdown during an overlapping restart, say) tries
// to open it again, from its own goroutine between exports. Each try
// costs an open and a failed flock; the one that succeeds reads what the
// directory holds, as Start does. Other errors are not retried (see
// retryOpen).
const spoolRetryEvery = time.Minute

// spooler is one exporter's disk spool: a spool.Spool, the state the
// worker keeps about it, and its counts for Health and the self-metrics.
//
// The worker's goroutine uses it (Shutdown never does: it may be stuck
// on the disk); mu guards its state all the same. Nothing that holds mu
// waits for the worker's mutex, and the counts are atomic, so that Health
// and the registry's gauges never wait for the disk.
type spooler struct {
	dir      string
	maxBytes int64
	log      *slog.Logger     // the worker's
	dropped  *metrics.Counter // the exporter's dropped points, which the spool's drops are part of
	removed  *metrics.Counter // points the spool removed: the cap, corrupt records

	mu     sync.Mutex // guards sp and the fields below
	sp     *spool.Spool
	broken error // a failed Peek or Pop: the spool is no longer used
	lost   int64 // Stats.Lost counted so far
	// head is the oldest record as last offered, kept while it is retried
	// so that each retry carries the same Seq; headValid is false once an
	// append may have removed it (the cap), until a peek finds it again.
	head      *batch
	headValid bool
	headSeq   uint64 // head's Seq on disk
	headTime  time.Time
	replaySeq uint64 // the last Seq given to another process's record
	// While another process holds the directory: when to try to open it
	// again (zero when there is nothing to retry), and how often
	// (spoolRetryEvery; tests shorten it).
	nextOpen   time.Time
	retryEvery time.Duration
	// The current replay: since when, and how much went to the backend.
	replayingSince         time.Time
	replayedN, replayedPts int64
	spoolingLog, dropLog   throttle
	appendErrLog           throttle

	records, points, bytes atomic.Int64 // what the spool holds
	err                    atomic.Pointer[string]
}

// spoolDirName returns the directory name of an exporter's spool: its
// name, with the bytes that are not letters, digits, '-', '_' or '.'
// escaped as %XX, and "." and ".." escaped whole, so that any tag value
// names one directory and two names never share one.
func spoolDirName(name string) string {
	if name == "." || name == ".." {
		return strings.ReplaceAll(name, ".", "%2E")
	}
	var b strings.Builder
	for i := range len(name) {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// openSpooler opens the spool of the exporter called name under root,
// counting the points of corrupt records it finds as dropped. It always
// returns a spooler, for Health: if the directory cannot be used, one
// without a spool, whose error says why; if another process holds it, the
// worker tries again later (see retryOpen).
func openSpooler(root, name string, maxBytes int64, log *slog.Logger, dropped, removed *metrics.Counter) *spooler {
	s := &spooler{
		dir: filepath.Join(root, spoolDirName(name)), maxBytes: maxBytes, log: log,
		dropped: dropped, removed: removed, retryEvery: spoolRetryEvery,
	}
	if err := s.open(); err != nil {
		if errors.Is(err, spool.ErrLocked) {
			log.Warn("exporters: cannot use the spool directory; this exporter runs without a spool, "+
				"dropping what its memory queue cannot hold, until the directory is free (tried again every minute)",
				"dir", s.dir, "error", err)
		} else {
			log.Warn("exporters: cannot use the spool directory; this exporter runs without a spool, "+
				"dropping what its memory queue cannot hold, until the process restarts",
				"dir", s.dir, "error", err)
		}
		return s
	}
	st := s.update()
	if st.Records > 0 {
		log.Info("exporters: the spool holds snapshots of an earlier process; they are replayed oldest first",
			"dir", s.dir, "snapshots", st.Records, "points", st.Points, "bytes", st.Bytes)
	}
	return s
}

// open opens the spool's directory. If it cannot, open returns why, keeps
// it for Health and, when another process holds the directory, sets when
// to try again. Called with mu held, or before the spooler is shared.
func (s *spooler) open() error {
	sp, err := spool.Open(s.dir, s.maxBytes, s.log)
	if err != nil {
		msg := err.Error()
		s.err.Store(&msg)
		s.nextOpen = time.Time{}
		if errors.Is(err, spool.ErrLocked) {
			s.nextOpen = time.Now().Add(s.retryEvery)
		}
		return err
	}
	s.sp = sp
	return nil
}

// retryOpen tries again to open a directory that another process held, at
// most once every retryEvery. Once it opens, the spool works as if it had
// opened at Start: what the earlier process left is replayed (with Seqs
// from replaySeqBase up), the points of the damaged records the open
// skipped are counted as dropped, and Health shows no error. Only a lock
// is retried: another error (a bad path, no permission, an unreadable
// file) needs someone to fix the directory, and a restart then opens it;
// retrying it would log, or hide, the same error every minute.
//
// Called by the worker's goroutine between exports, never by the ticking
// goroutine: a successful open reads the directory, which takes a while
// when it holds a large backlog.
func (s *spooler) retryOpen() {
	if s == nil || s.err.Load() == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sp != nil || s.broken != nil || s.nextOpen.IsZero() || time.Now().Before(s.nextOpen) {
		return
	}
	if err := s.open(); err != nil {
		if !errors.Is(err, spool.ErrLocked) {
			s.log.Warn("exporters: cannot use the spool directory; this exporter runs without a spool until the process restarts",
				"dir", s.dir, "error", err)
		}
		return
	}
	st := s.update()
	s.err.Store(nil)
	s.log.Info("exporters: the spool directory is free again; spooling on; replaying the snapshots an earlier process left, oldest first",
		"dir", s.dir, "snapshots", st.Records, "points", st.Points, "bytes", st.Bytes)
}

// usable reports whether the spool takes and offers records.
func (s *spooler) usable() bool { return s != nil && s.err.Load() == nil }

// update refreshes the atomic counts from the spool and counts the points
// of the corrupt records it found since the last call as dropped. Called
// with mu held, or before the spooler is shared.
func (s *spooler) update() spool.Stats {
	st := s.sp.Stats()
	s.records.Store(int64(st.Records))
	s.points.Store(st.Points)
	s.bytes.Store(st.Bytes)
	if n := st.Lost - s.lost; n > 0 {
		s.lost = st.Lost
		s.drop(n)
	}
	return st
}

// drop counts n points that the spool removed.
func (s *spooler) drop(n int64) {
	s.dropped.Inc(n)
	s.removed.Inc(n)
}

// append spools b. Its undelivered points are then no longer counted by
// this process unless the spool drops them, which it counts. If b cannot
// be written, append returns why, and b is the caller's to count. reason
// says why b is spooled, for the log line that marks the start of
// spooling.
func (s *spooler) append(b *batch, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken != nil {
		return s.broken
	}
	now := time.Now()
	before := s.records.Load()
	n, err := s.sp.Append(spool.Record{Snap: b.snap, Points: b.undelivered()})
	st := s.update()
	if int64(st.Records) != before+1 {
		s.headValid = false // the cap may have removed it
	}
	if n > 0 {
		s.drop(int64(n))
		if log, occurrences := s.dropLog.allow("cap", now); log {
			s.log.Warn("exporters: the spool is full; dropped its oldest snapshots",
				append(repeats(occurrences), "dir", s.dir, "points", n, "max_bytes", s.maxBytes)...)
		}
	}
	if err != nil {
		if log, occurrences := s.appendErrLog.allow(err.Error(), now); log {
			s.log.Error("exporters: cannot write to the spool",
				append(repeats(occurrences), "dir", s.dir, "error", err, "points", b.undelivered())...)
		}
		return err
	}
	if before == 0 && st.Records > 0 {
		if log, occurrences := s.spoolingLog.allow("spooling", now); log {
			s.log.Warn("exporters: spooling snapshots to disk until the backend takes them",
				append(repeats(occurrences), "dir", s.dir, "reason", reason)...)
		}
	}
	return nil
}

// peek returns the oldest spooled record as a batch to offer, or nil when
// the spool is empty or broken. Retries of the same record get the same
// batch, Seq included. A record this process spooled keeps its Seq; one of
// an earlier process gets a Seq from replaySeqBase up (see replaySeqBase).
func (s *spooler) peek() *batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peekLocked()
}

func (s *spooler) peekLocked() *batch {
	if s.broken != nil || s.records.Load() == 0 {
		return nil
	}
	if s.headValid {
		return s.head
	}
	rec, ok, err := s.sp.Peek()
	s.update()
	if err != nil {
		s.fail("reading", err)
		return nil
	}
	if !ok {
		return nil
	}
	s.headValid = true
	if s.head != nil && rec.Snap.Seq == s.headSeq && rec.Snap.Time.Equal(s.headTime) {
		return s.head // the same record: retried with the same Seq
	}
	s.headSeq, s.headTime = rec.Snap.Seq, rec.Snap.Time
	if !rec.Own {
		s.replaySeq++
		rec.Snap.Seq = replaySeqBase + s.replaySeq
	}
	s.head = &batch{snap: rec.Snap, points: rec.Points, spooled: true}
	return s.head
}

// pop removes b, the record the last peek returned, once the worker has
// delivered it or had it rejected, and reports whether b left the spool,
// for the worker to count it. The cap never removes that record while it
// is being exported (see spool.Append), so b is still the spool's head. If
// removing it fails, the spool is no longer used and b stays at its head
// on disk: the next process offers it again (the backend receives it
// twice) and counts it then, so this one must not.
func (s *spooler) pop(b *batch) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.head, s.headValid = nil, false
	if err := s.sp.Pop(); err != nil {
		s.fail("removing a replayed snapshot from", err)
		s.log.Warn("exporters: a replayed snapshot stays in the spool; the next process offers it again and counts it then",
			"dir", s.dir, "time", b.snap.Time, "points", b.points)
		return false
	}
	st := s.update()
	now := time.Now()
	if s.replayingSince.IsZero() {
		s.replayingSince = now
		s.replayedN, s.replayedPts = 0, 0
		s.log.Info("exporters: the backend takes exports again; replaying the spool, oldest first",
			"dir", s.dir, "snapshots", st.Records+1, "points", st.Points+int64(b.points))
	}
	s.replayedN++
	s.replayedPts += int64(b.points)
	if st.Records == 0 {
		s.log.Info("exporters: the spool is replayed", "dir", s.dir, "snapshots", s.replayedN, "points", s.replayedPts,
			"took", now.Sub(s.replayingSince).Round(time.Millisecond))
		s.replayingSince = time.Time{}
	}
	return true
}

// discard removes b, the record the last peek returned, after its export
// failed maxReplayStrikes times while the backend took other exports
// (err is its last error), counts its points as dropped by the spool, and
// logs it with its time. If removing it fails, it stays on disk for the
// next process, which counts it (see pop).
func (s *spooler) discard(b *batch, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.head, s.headValid = nil, false
	if perr := s.sp.Pop(); perr != nil {
		s.fail("removing a snapshot from", perr)
		return
	}
	s.update()
	s.drop(int64(b.points))
	s.log.Error("exporters: dropped a spooled snapshot that kept failing while the backend took other exports",
		"dir", s.dir, "time", b.snap.Time, "points", b.points, "attempts", b.tries, "error", err)
}

// fail stops using the spool after an error reading or removing a record:
// the position on disk can no longer be trusted to move on, and offering
// the same record again and again would export it again and again. What it
// holds stays on disk for the next process. Called with mu held.
func (s *spooler) fail(doing string, err error) {
	s.broken = fmt.Errorf("exporters: %s the spool %s: %w; it is no longer used by this process", doing, s.dir, err)
	msg := s.broken.Error()
	s.err.Store(&msg)
	s.head, s.headValid = nil, false
	s.log.Error("exporters: the spool failed; this exporter runs without it until the process restarts",
		"dir", s.dir, "error", err, "snapshots_left_on_disk", s.records.Load())
}

// close releases the spool's directory; what it holds stays for the next
// process. A record being exported that the cap had removed from the disk
// (the spool kept it in memory) is lost: its points are counted as
// dropped.
func (s *spooler) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextOpen = time.Time{} // no retry after close
	if s.sp == nil || s.broken == ErrShutdown {
		return nil
	}
	s.broken = ErrShutdown
	err := s.sp.Close()
	s.update()
	if err != nil {
		return fmt.Errorf("exporters: closing the spool %s: %w", s.dir, err)
	}
	return nil
}

// health returns the spool's part of ExporterHealth.
func (s *spooler) health() SpoolHealth {
	if s == nil {
		return SpoolHealth{}
	}
	h := SpoolHealth{
		Dir:     s.dir,
		Records: int(s.records.Load()),
		Points:  s.points.Load(),
		Bytes:   s.bytes.Load(),
		Dropped: s.removed.Count(),
	}
	if e := s.err.Load(); e != nil {
		h.Error = *e
	}
	return h
}
