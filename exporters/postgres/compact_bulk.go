package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// A large day is compacted in bulk. Its partition holds the rows in the
// order they were written, a flush of every series after another, so the
// rows of a few series are spread over nearly every page: reading them
// batch by batch reads the whole partition again for each batch, and
// moving them (DELETE) writes it again for each batch too. So the bulk
// compaction reads the partition once, in order, into a temporary table
// partitioned by hash of series_id, one partition per batch (a batch is
// then read in order too); builds the blocks of each batch into another
// temporary table; and publishes them in one transaction, which deletes
// exactly the rows read, in one pass, and replaces the blocks of those
// series that overlap the window. Writers never wait for it: a row they
// write meanwhile stays for the next run. Readers see the rows until that
// transaction commits, the blocks after. A process dying before the
// commit leaves everything as it was: its temporary tables go with its
// connection. If some of the rows read are gone by then (another process
// compacted them, which the compaction lock should prevent), the work is
// dropped and the window compacted batch by batch instead. The temporary
// tables take about the size of the window's rows on disk meanwhile.
//
// The server does most of the work (splitting the rows, sending them,
// compressing the blocks), one core per connection, so the series are
// split again into c.workers ranges of ids, each compacted so on a
// connection of its own and published in a transaction of its own, one
// after the other; a process dying in between leaves whole ranges done.

// errRowsTaken reports rows deleted from a window, by another compaction,
// while it was read for a bulk compaction.
var errRowsTaken = errors.New("compact: rows read for a bulk compaction were compacted elsewhere meanwhile")

// compactBulk compacts the window w of its day's partition of
// vitals_points, of size bytes, in bulk, in batches batches, c.workers
// ranges of series at a time. If some of the rows it read were gone when
// it published them, it returns errRowsTaken once every range is done or
// dropped.
func (c *compactor) compactBulk(ctx context.Context, w window, size int64, batches int) (CompactStats, error) {
	day := w.day
	k := max(1, min(c.workers, batches))
	ranges := idRanges(int64(k))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu      sync.Mutex // guards st and first
		publish sync.Mutex // held by the transaction that publishes a range
		st      = CompactStats{Day: day}
		first   error
		wg      sync.WaitGroup
	)
	for _, r := range ranges {
		wg.Go(func() {
			rst, err := c.compactBulkRange(ctx, w, size/int64(k), (batches+k-1)/k, r[0], r[1], &publish)
			mu.Lock()
			defer mu.Unlock()
			st.Series += rst.Series
			st.Points += rst.Points
			st.Batches += rst.Batches
			// Another error wins over errRowsTaken, which falls back.
			if err != nil && (first == nil || errors.Is(first, errRowsTaken)) {
				first = err
			}
			if err != nil && !errors.Is(err, errRowsTaken) {
				cancel()
			}
		})
	}
	wg.Wait()
	return st, first
}

// compactBulkRange compacts in bulk the rows of the window w of its day's
// partition of vitals_points, of about size bytes, of the series with ids
// in [lo, hi], in batches batches, publishing them while holding publish.
func (c *compactor) compactBulkRange(ctx context.Context, w window, size int64, batches int, lo, hi int64,
	publish *sync.Mutex) (CompactStats, error) {
	day := w.day
	st := CompactStats{Day: day}
	batches = max(1, min(batches, 4096))
	// Statements over the whole partition get c.timeout per 256 MB.
	long := c.timeout * time.Duration(1+size/(256<<20))
	conn, err := pgx.ConnectConfig(ctx, c.pool.Config().ConnConfig)
	if err != nil {
		return st, err
	}
	defer conn.Close(context.Background())
	const split, staging = "vitals_compact_split", "vitals_compact_staging"
	stmts := []string{
		"SET temp_buffers = '64MB'", // before the session's first temporary table
		"CREATE TEMPORARY TABLE " + staging + " (LIKE " + c.n.Blocks + " INCLUDING ALL)",
		"CREATE TEMPORARY TABLE " + split + " (LIKE " + c.n.Points + ") PARTITION BY HASH (series_id)",
	}
	for i := range batches {
		stmts = append(stmts, fmt.Sprintf("CREATE TEMPORARY TABLE %s_%d PARTITION OF %s FOR VALUES WITH (MODULUS %d, REMAINDER %d)",
			split, i, split, batches, i))
	}
	for _, stmt := range stmts {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return st, fmt.Errorf("%s: %w", stmt, err)
		}
	}
	part := pointsPartition(c.n, day)
	cols := strings.Join(pointColumnNames, ", ")
	sctx, cancel := context.WithTimeout(ctx, long)
	inRange := "series_id BETWEEN $1 AND $2 AND ts >= $3 AND ts < $4 AND " + representableSQL
	tag, err := conn.Exec(sctx, "INSERT INTO "+split+" SELECT "+cols+" FROM "+part+" WHERE "+inRange, lo, hi, w.from, w.to)
	cancel()
	if err != nil {
		return st, fmt.Errorf("read the partition: %w", err)
	}
	copied := int(tag.RowsAffected())
	var replaced []time.Time
	for i := range batches {
		bctx, cancel := context.WithTimeout(ctx, c.timeout)
		ids, blocks, n, rep, err := c.collect(bctx, conn, w, "SELECT "+cols+" FROM "+split+"_"+strconv.Itoa(i))
		replaced = append(replaced, rep...)
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
	if st.Points != copied {
		return st, fmt.Errorf("compact: %d rows copied, %d read back", copied, st.Points)
	}
	publish.Lock()
	defer publish.Unlock()
	pctx, cancel := context.WithTimeout(ctx, long)
	defer cancel()
	err = pgx.BeginFunc(pctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(pctx, "SELECT pg_advisory_xact_lock_shared($1)", lockKey(c.n.Schema)); err != nil {
			return fmt.Errorf("advisory lock: %w", err)
		}
		// Exactly the rows read: those written since stay for the next
		// run. Fewer means that another compaction took some meanwhile.
		tag, err := tx.Exec(pctx, "DELETE FROM "+part+" AS p USING "+split+" AS s WHERE p.series_id = s.series_id "+
			"AND p.ts = s.ts AND p.series_id BETWEEN $1 AND $2", lo, hi)
		if err != nil {
			return err
		}
		if int(tag.RowsAffected()) != copied {
			return errRowsTaken
		}
		blocks := blocksPartition(c.n, day)
		if _, err := tx.Exec(pctx, "DELETE FROM "+blocks+" AS b WHERE b.series_id IN (SELECT series_id FROM "+staging+") AND "+
			overlapSQL("$1", "$2", "$3"), day, w.to, w.from); err != nil {
			return err
		}
		if _, err := tx.Exec(pctx, "INSERT INTO "+blocks+" SELECT * FROM "+staging); err != nil {
			return err
		}
		if err := c.markReplaced(pctx, tx, replaced); err != nil {
			return err
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
