package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// A large day is compacted in bulk: moving its rows batch by batch would
// dirty, and write out again, nearly every page of its partition once per
// batch (a page holds the rows of one flush, of every series), which
// costs far more than reading them. So the batches only read the rows,
// and build the blocks in a temporary table of a connection of their own;
// then one transaction checks that no row was written to the day
// meanwhile, replaces the day's blocks of those series with the new ones,
// and deletes the rows it read, in one pass. Readers see the rows until
// that transaction commits, the blocks after; a process dying before the
// commit leaves everything as it was (its temporary table goes with its
// connection). If rows were written to the day meanwhile, the work is
// dropped and the day is compacted batch by batch instead.

// errDayWritten reports rows written to, or deleted from, a day while it
// was read for a bulk compaction.
var errDayWritten = errors.New("compact: the day's rows changed while they were read")

// compactBulk compacts day's partition of vitals_points in bulk, reading
// the series of each of ranges in turn.
func (c *compactor) compactBulk(ctx context.Context, day time.Time, ranges [][2]int64) (CompactStats, error) {
	st := CompactStats{Day: day}
	conn, err := pgx.ConnectConfig(ctx, c.pool.Config().ConnConfig)
	if err != nil {
		return st, err
	}
	defer conn.Close(context.Background())
	const staging = "vitals_compact_staging"
	if _, err := conn.Exec(ctx, "CREATE TEMPORARY TABLE "+staging+" (LIKE "+c.n.Blocks+" INCLUDING ALL)"); err != nil {
		return st, fmt.Errorf("create the staging table: %w", err)
	}
	part := pointsPartition(c.n, day)
	read := "SELECT " + strings.Join(pointColumnNames, ", ") + " FROM " + part +
		" WHERE series_id BETWEEN $1 AND $2 AND " + representableSQL
	for _, r := range ranges {
		bctx, cancel := context.WithTimeout(ctx, c.timeout)
		ids, blocks, n, err := c.collect(bctx, conn, day, read, r[0], r[1])
		if err == nil && len(ids) > 0 {
			_, err = conn.CopyFrom(bctx, pgx.Identifier{staging}, blockColumnNames(), pgx.CopyFromRows(blocks))
		}
		cancel()
		if err != nil {
			return st, err
		}
		st.Series += len(ids)
		st.Points += n
		st.Batches++
		if c.afterBatch != nil {
			c.afterBatch()
		}
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock_shared($1)", lockKey(c.n.Schema)); err != nil {
			return fmt.Errorf("advisory lock: %w", err)
		}
		// Writers of the day wait from here on; readers do not.
		if _, err := tx.Exec(ctx, fmt.Sprintf("SET LOCAL lock_timeout = %d", c.timeout.Milliseconds())); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "LOCK TABLE "+part+" IN SHARE MODE"); err != nil {
			return err
		}
		var rows, all int
		if err := tx.QueryRow(ctx, "SELECT count(*) FILTER (WHERE "+representableSQL+"), count(*) FROM "+part).
			Scan(&rows, &all); err != nil {
			return err
		}
		if rows != st.Points {
			return errDayWritten
		}
		blocks := blocksPartition(c.n, day)
		stmts := []string{
			"DELETE FROM " + blocks + " WHERE series_id IN (SELECT series_id FROM " + staging + ")",
			"INSERT INTO " + blocks + " SELECT * FROM " + staging,
			"DELETE FROM " + part,
		}
		if all != rows {
			stmts[2] += " WHERE " + representableSQL
		}
		for _, stmt := range stmts {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		if c.afterMove != nil {
			c.afterMove()
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	st.Batches++
	return st, nil
}
