package postgres

import (
	"context"
	"fmt"
	"time"
)

// Late points. The maintenance rolls a minute up once, a minute after its
// end, and then checks only the last rollupLateness for late points (see
// rollup.go). A snapshot written later than that (replayed from the disk
// spool after an outage or a restart, or retried) would stay out of the
// rollups, and the readers that pick a rollup for its interval would miss
// it. So the writer marks its minute in vitals_rollup_dirty (rollupMarkSQL),
// and the next maintenance run rolls that minute and its hour up again
// (rollup_redo.go):
//
//   - COPY, the usual write, cannot do anything else: after it, copyPoints
//     marks the minute by a statement of its own, only for a snapshot at
//     least rollupMarkAge old by this process's clock and within the
//     retention, so a flush written on time costs one comparison. When
//     the mark fails, so does the write, and the retry marks.
//   - INSERT (pointsSQL), the write of a retry, of a snapshot already
//     partly stored, or of a day without a partition, marks in the same
//     statement, whatever the snapshot's age: it is rare, and a mark of a
//     minute the rollups do not cover yet costs the maintenance a row
//     deleted.
//
// The mark follows the points: once it is committed, whoever reads it
// finds the points committed too. A mark made while the maintenance rolls
// the minute up again (after it read the points, before it deletes the
// mark) is kept: it changes the row's count of marks, and the maintenance
// deletes a mark only if its count is unchanged. Rolling a minute up twice
// stores it once, so a mark too many costs time, never correctness. A
// process that dies between its COPY and its mark leaves the minute out of
// the rollups unless its snapshot is written again (a disk spool offers
// it again after the restart, and the write marks then).
//
// rollupMarkAge is how old a snapshot written by COPY must be to be
// marked. A younger one is in a minute that the maintenance has not rolled
// up yet, or rolled up less than rollupMarkAge before, and its check for
// late points (rollupLateness back) finds it.
const rollupMarkAge = rollupDelay + rollupEvery

// late reports whether a snapshot at ts, written now, must be marked: it is
// at least rollupMarkAge old, and within the retention (older points are
// in no rollup).
func (r *rollups) late(ts time.Time) bool {
	now := time.Now()
	if r.clock != nil {
		now = r.clock()
	}
	return ts.Before(now.Add(-rollupMarkAge)) && ts.After(now.Add(-r.retention))
}

// mark marks the minute of ts to be rolled up again.
func (r *rollups) mark(ctx context.Context, ts time.Time) error {
	if _, err := r.pool.Exec(ctx, r.sqlMark, ts); err != nil {
		return fmt.Errorf("mark minute %s for the rollups: %w", ts.UTC().Truncate(time.Minute).Format(time.RFC3339), err)
	}
	return nil
}
