package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/internal/pgschema"
)

// Compaction. Once a UTC day has been closed for Config.CompactAfter, the
// maintenance moves its rows of vitals_points into vitals_blocks, one row
// per series (see encodeBlock), and the view vitals_points_all shows both
// as one table, so that readers see every point exactly once throughout.
//
// One process at a time compacts a schema: it holds the schema's
// compaction lock (compactLockKey, a session-level advisory lock on a
// connection of its own, released when the run ends or the connection
// drops with its process), which the maintenance only tries for, so that
// a fleet of exporters does not queue for it; Exporter.Compact waits.
//
// A day is compacted in batches, compactWorkers at a time: the series
// whose ids fall in one range of the id space, sized so that a batch holds
// about batchBytes of rows. Each batch is one transaction, holding the
// schema's advisory lock (lockKey) shared, so that DDL, which takes it
// exclusive, never drops a partition under it: it DELETEs the batch's rows
// from the day's partition, RETURNING them; reads and deletes those
// series' blocks of the day, if an earlier run wrote any (late points are
// merged into them); and COPYs the new blocks in. So a process that dies
// mid-batch leaves the batch as it was (the transaction rolls back), and
// one that dies between batches leaves whole batches done. Two processes
// compacting the same series at once (which the compaction lock prevents)
// would still store each point once: the second DELETE waits for the
// first's row locks and then finds the rows gone, and two new blocks of a
// series would collide on the primary key.
// Points written to a compacted day later (late or retried) go to
// vitals_points as always, are seen through the view meanwhile, and are
// merged into their block by the next run; a point at the time of one
// already in the block replaces it. Once a day's partition is empty it is
// truncated, which returns its space at once.

// compactBatchBytes is the default size of the rows a batch moves, which
// bounds the memory of a batch.
const compactBatchBytes = 32 << 20

// compactWorkers is how many batches a compaction runs at a time: the
// server spends most of a batch reading and deleting rows, on one core.
const compactWorkers = 2

// compactor compacts one schema's closed days.
type compactor struct {
	pool       *pgxpool.Pool
	n          pgschema.Names
	parts      *partitions
	after      time.Duration // see Config.CompactAfter; negative: never on its own
	timeout    time.Duration // of one batch
	batchBytes int64
	log        *slog.Logger

	wait    bool // for the compaction lock, rather than give up the run
	workers int  // batches at a time

	// afterMove, when set (by tests), runs inside each batch's transaction
	// after its rows are moved, before the commit; afterBatch after the
	// commit.
	afterMove, afterBatch func()
}

// compactor returns the Exporter's compactor.
func (e *Exporter) compactor() *compactor {
	return &compactor{pool: e.pool, n: e.n, parts: &e.parts, after: e.cfg.CompactAfter,
		timeout: e.cfg.Timeout, batchBytes: compactBatchBytes, workers: compactWorkers, log: e.log}
}

// CompactStats describes the compaction of a day.
type CompactStats struct {
	// Day is the UTC day compacted.
	Day time.Time
	// Series is the number of blocks written: series with points moved.
	Series int
	// Points is the number of rows moved from vitals_points into blocks.
	Points int
	// Batches is the number of transactions.
	Batches int
	// Duration is how long it took.
	Duration time.Duration
}

// Compact compacts day's points now, whatever their age (the UTC day that
// holds day): every row of its partition of vitals_points moves into
// vitals_blocks, merged with the blocks of earlier runs. The maintenance
// does the same for each day Config.CompactAfter after its end; Compact is
// for tools and benchmarks. Points written to day afterwards are merged by
// a later run. Each batch of series is bounded by Config.Timeout within
// ctx; a failure leaves the batches done so far done, and the day correct
// (see vitals_points_all).
func (e *Exporter) Compact(ctx context.Context, day time.Time) (CompactStats, error) {
	if e.shutdown.Load() {
		return CompactStats{}, fmt.Errorf("postgres: compact: %w", exporters.ErrShutdown)
	}
	c := e.compactor()
	c.wait = true
	st, err := c.compactDay(ctx, dayOf(day))
	if err != nil {
		return st, fmt.Errorf("postgres: compact %s: %w", dayOf(day).Format(time.DateOnly), err)
	}
	return st, nil
}

// startCompaction runs the compaction of the days due, now and then every
// MaintenanceInterval, until ctx ends; the channel is closed when it has
// returned. With a negative CompactAfter it does nothing.
func (e *Exporter) startCompaction(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	c := e.compactor()
	if c.after < 0 {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		t := time.NewTicker(e.cfg.MaintenanceInterval)
		defer t.Stop()
		for {
			if err := c.run(ctx, time.Now()); err != nil && ctx.Err() == nil {
				e.log.Error("postgres: compaction failed; retrying at the next interval",
					"schema", e.cfg.Schema, "error", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return done
}

// run compacts, oldest first, every day that ended c.after before now,
// is within the retention and has rows in its partition of vitals_points,
// unless another process holds the compaction lock.
func (c *compactor) run(ctx context.Context, now time.Time) error {
	days, err := c.dueDays(ctx, now)
	if err != nil || len(days) == 0 {
		return err
	}
	unlock, err := c.lock(ctx)
	if err != nil || unlock == nil {
		return err
	}
	defer unlock()
	for _, day := range days {
		st, err := c.compactDayLocked(ctx, day)
		if err != nil {
			return fmt.Errorf("compact %s: %w", day.Format(time.DateOnly), err)
		}
		if st.Points > 0 {
			c.log.Info("postgres: compacted a day into blocks", "schema", c.n.Schema,
				"day", day.Format(time.DateOnly), "series", st.Series, "points", st.Points,
				"duration", st.Duration.Round(time.Millisecond))
		}
	}
	return nil
}

// dueDays lists the days to compact at now, oldest first.
func (c *compactor) dueDays(ctx context.Context, now time.Time) ([]time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	days, err := partitionDays(ctx, c.pool, c.n)
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	slices.SortFunc(days, func(a, b time.Time) int { return a.Compare(b) })
	var due []time.Time
	for _, day := range days {
		if day.AddDate(0, 0, 1).Add(c.after).After(now) || c.parts.expired(day, now) {
			continue
		}
		var rows bool
		if err := c.pool.QueryRow(ctx, "SELECT EXISTS (SELECT FROM "+pointsPartition(c.n, day)+")").Scan(&rows); err != nil {
			return nil, fmt.Errorf("look into %s: %w", pointsPartition(c.n, day), err)
		}
		if rows {
			due = append(due, day)
		}
	}
	return due, nil
}

// pointsPartition returns the quoted, qualified name of day's partition of
// vitals_points.
func pointsPartition(n pgschema.Names, day time.Time) string {
	return pgx.Identifier{n.Schema, partitionName(day)}.Sanitize()
}

// compactLockKey is the pg_advisory_lock key of a schema's compaction:
// FNV-1a 64 of "vitals", a zero byte, the schema name, a zero byte and
// "compact"; it differs from lockKey, the schema's DDL lock.
func compactLockKey(schema string) int64 {
	h := uint64(fnvOffset)
	h = fnvString(h, "vitals")
	h = fnvByte(h, 0)
	h = fnvString(h, schema)
	h = fnvByte(h, 0)
	h = fnvString(h, "compact")
	return int64(h)
}

// lock takes the schema's compaction lock on a connection of its own and
// returns the function that releases it (by closing the connection), or
// nil when the lock is held elsewhere and c does not wait.
func (c *compactor) lock(ctx context.Context) (unlock func(), err error) {
	conn, err := pgx.ConnectConfig(ctx, c.pool.Config().ConnConfig)
	if err != nil {
		return nil, fmt.Errorf("connect for the compaction lock: %w", err)
	}
	release := func() { _ = conn.Close(context.Background()) }
	locked := true
	if c.wait {
		_, err = conn.Exec(ctx, "SELECT pg_advisory_lock($1)", compactLockKey(c.n.Schema))
	} else {
		err = conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", compactLockKey(c.n.Schema)).Scan(&locked)
	}
	if err != nil || !locked {
		release()
		return nil, err
	}
	return release, nil
}

// compactDay compacts day under the compaction lock.
func (c *compactor) compactDay(ctx context.Context, day time.Time) (CompactStats, error) {
	unlock, err := c.lock(ctx)
	if err != nil || unlock == nil {
		return CompactStats{Day: day}, err
	}
	defer unlock()
	return c.compactDayLocked(ctx, day)
}

// compactDayLocked moves the rows of day's partition of vitals_points
// into blocks, batch by batch, then truncates the partition if it is
// empty. The caller holds the compaction lock; if another process
// compacts the same day at once regardless, every point still ends up in
// one block (see compactBatch).
func (c *compactor) compactDayLocked(ctx context.Context, day time.Time) (CompactStats, error) {
	began := time.Now()
	st := CompactStats{Day: day}
	bctx, cancel := context.WithTimeout(ctx, c.timeout)
	ranges, err := c.batches(bctx, day)
	if err == nil {
		err = createBlocksPartition(bctx, c.pool, c.n, day)
	}
	cancel()
	if err != nil {
		return st, err
	}
	// c.workers batches at a time, each on a connection of its own.
	ctx, cancel = context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		next  int
		first error
		wg    sync.WaitGroup
	)
	for range max(1, c.workers) {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(ranges) || ctx.Err() != nil {
					return
				}
				series, points, err := c.compactBatch(ctx, day, ranges[i][0], ranges[i][1])
				mu.Lock()
				if err != nil && first == nil {
					first = err
					cancel()
				}
				st.Series += series
				st.Points += points
				if err == nil {
					st.Batches++
				}
				mu.Unlock()
				if err == nil && c.afterBatch != nil {
					c.afterBatch()
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		return st, first
	}
	err = c.truncateIfEmpty(ctx, day)
	st.Duration = time.Since(began)
	return st, err
}

// batches splits the id space into ranges [lo, hi] each holding about
// c.batchBytes of day's rows, going by the size of the partition: ids are
// hashes, spread evenly.
func (c *compactor) batches(ctx context.Context, day time.Time) ([][2]int64, error) {
	var size int64
	if err := c.pool.QueryRow(ctx, "SELECT pg_relation_size($1)", pointsPartition(c.n, day)).Scan(&size); err != nil {
		return nil, fmt.Errorf("size of %s: %w", pointsPartition(c.n, day), err)
	}
	k := max(1, min((size+c.batchBytes-1)/c.batchBytes, 1<<20))
	width := math.MaxUint64/uint64(k) + 1
	ranges := make([][2]int64, k)
	for i := range ranges {
		lo := uint64(i) * width
		hi := lo + width - 1
		if i == len(ranges)-1 {
			hi = math.MaxUint64
		}
		// Shift the unsigned ranges down to int64, keeping their order.
		ranges[i] = [2]int64{int64(lo ^ 1<<63), int64(hi ^ 1<<63)}
	}
	return ranges, nil
}

// compactBatch moves the rows of day of the series with ids in [lo, hi]
// into their blocks, in one transaction, and returns the number of blocks
// written and of rows moved.
func (c *compactor) compactBatch(ctx context.Context, day time.Time, lo, hi int64) (series, points int, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	err = pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
		// The schema's advisory lock, shared: batches run side by side,
		// and DDL (which takes it exclusive) waits for them.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock_shared($1)", lockKey(c.n.Schema)); err != nil {
			return fmt.Errorf("advisory lock: %w", err)
		}
		moved := map[int64][]blockPoint{}
		rows, err := tx.Query(ctx, "DELETE FROM "+pointsPartition(c.n, day)+
			" WHERE series_id BETWEEN $1 AND $2 AND "+representableSQL+
			" RETURNING "+strings.Join(pointColumnNames, ", "), lo, hi)
		if err != nil {
			return err
		}
		if err := readPoints(rows, moved); err != nil {
			return fmt.Errorf("move the rows: %w", err)
		}
		if len(moved) == 0 {
			return nil
		}
		ids := make([]int64, 0, len(moved))
		for id, pts := range moved {
			ids = append(ids, id)
			points += len(pts)
		}
		slices.Sort(ids)
		// The blocks of earlier runs: their points follow the moved rows,
		// which replace those at the same time.
		rows, err = tx.Query(ctx, blockPointsSQL(c.n, "b.series_id = ANY($1) AND b.block_start = $2"), ids, day)
		if err != nil {
			return err
		}
		if err := readPoints(rows, moved); err != nil {
			return fmt.Errorf("read the blocks: %w", err)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM "+blocksPartition(c.n, day)+" WHERE series_id = ANY($1)", ids); err != nil {
			return err
		}
		start := pgMicros(day)
		blocks := make([][]any, len(ids))
		for i, id := range ids {
			blocks[i] = encodeBlock(id, start, sortPoints(moved[id]))
		}
		table := pgx.Identifier{c.n.Schema, blocksPartitionPrefix + day.Format("20060102")}
		if _, err := tx.CopyFrom(ctx, table, blockColumnNames(), pgx.CopyFromRows(blocks)); err != nil {
			return fmt.Errorf("write the blocks: %w", err)
		}
		series = len(ids)
		if c.afterMove != nil {
			c.afterMove()
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return series, points, nil
}

// truncateIfEmpty truncates day's partition of vitals_points if it holds
// no row, which returns the space of the rows moved at once rather than
// after a vacuum. It gives up, to try again at the next run, when it would
// wait more than a second for writers or readers of the partition.
func (c *compactor) truncateIfEmpty(ctx context.Context, day time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	part := pointsPartition(c.n, day)
	err := pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
		if err := beginDDL(ctx, tx, c.n); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SET LOCAL lock_timeout = '1s'"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "LOCK TABLE "+part+" IN ACCESS EXCLUSIVE MODE"); err != nil {
			return err
		}
		var empty bool
		if err := tx.QueryRow(ctx, "SELECT NOT EXISTS (SELECT FROM "+part+")").Scan(&empty); err != nil || !empty {
			return err
		}
		_, err := tx.Exec(ctx, "TRUNCATE "+part)
		return err
	})
	if sqlState(err) == lockNotAvailable || sqlState(err) == undefinedTable {
		return nil
	}
	return err
}

// blockColumnNames returns the names of the columns of vitals_blocks.
func blockColumnNames() []string {
	names := make([]string, len(blockColumns))
	for i, c := range blockColumns {
		names[i] = c.name
	}
	return names
}

// lockNotAvailable is the SQLSTATE of a lock_timeout.
const lockNotAvailable = "55P03"
