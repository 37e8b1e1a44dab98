package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/internal/pgschema"
)

// Compaction. Once a UTC hour has been closed for Config.CompactAfter
// (10 minutes), the maintenance moves its rows of vitals_points into
// vitals_blocks, one row per series per hour (see encodeBlock), and the
// view vitals_points_all shows both as one table, so that readers see
// every point exactly once throughout. An hour rather than a day: a day's
// work in one run took 11 minutes for 10,000 series here, most of it the
// server's (splitting the rows by series, compressing the arrays), while
// an hour as it closes takes a 24th of it; a block of a day stores its
// points in 12-18% fewer bytes (TestCompactionFigures).
//
// One process at a time compacts a schema: it holds the schema's
// compaction lock (compactLockKey, a session-level advisory lock on a
// connection of its own, released when the run ends or the connection
// drops with its process), which the maintenance only tries for, so that
// a fleet of exporters does not queue for it; Exporter.Compact waits.
//
// A window (an hour, or a day with rows left in several hours) is
// compacted in batches, compactWorkers at a time: the series
// whose ids fall in one range of the id space, sized so that a batch holds
// about batchBytes of rows. Each batch is one transaction, holding the
// schema's advisory lock (lockKey) shared, so that DDL, which takes it
// exclusive, never drops a partition under it: it DELETEs the batch's rows
// of the window from the day's partition, RETURNING them; reads and
// deletes those series' blocks that overlap the window, if an earlier run
// wrote any (late points are merged into them); and COPYs the new blocks
// in. So a process that dies
// mid-batch leaves the batch as it was (the transaction rolls back), and
// one that dies between batches leaves whole batches done. Two processes
// compacting the same series at once (which the compaction lock prevents)
// would still store each point once: the second DELETE waits for the
// first's row locks and then finds the rows gone, and two new blocks of a
// series would collide on the primary key.
// Points written to a compacted hour or day later (late or retried) go to
// vitals_points as always, are seen through the view meanwhile, and are
// merged into their block by the next run; a point at the time of one
// already in the block replaces it. Once a window is compacted the
// partition is vacuumed, which returns its space at once (to the
// filesystem once the whole day's rows are gone, else for the rows to
// come).

// compactBatchBytes is the default size of the rows a batch moves, which
// bounds the memory of a batch.
const compactBatchBytes = 32 << 20

// compactBulkBytes is the size of a day's partition of vitals_points from
// which it is compacted in bulk (see compact_bulk.go).
const compactBulkBytes = 4 * compactBatchBytes

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

	bulkBytes int64 // the size of a day's partition from which it is compacted in bulk
	wait      bool  // for the compaction lock, rather than give up the run
	workers   int   // batches at a time

	// afterMove, when set (by tests), runs inside each batch's transaction
	// after its rows are moved, before the commit; afterBatch after the
	// commit.
	afterMove, afterBatch func()
}

// compactor returns the Exporter's compactor.
func (e *Exporter) compactor() *compactor {
	return &compactor{pool: e.pool, n: e.n, parts: &e.parts, after: e.cfg.CompactAfter,
		timeout: e.cfg.Timeout, batchBytes: compactBatchBytes, bulkBytes: compactBulkBytes, workers: compactWorkers,
		log: e.log}
}

// CompactStats describes the compaction of a day.
type CompactStats struct {
	// Day is the UTC day compacted.
	Day time.Time
	// Series is the number of series with points moved (when a day is
	// compacted hour by hour, in the hour with the most).
	Series int
	// Points is the number of rows moved from vitals_points into blocks.
	Points int
	// Batches is the number of transactions.
	Batches int
	// Duration is how long it took.
	Duration time.Duration
}

// A window is a span of one UTC day whose rows of vitals_points a
// compaction moves into blocks: an hour, or the whole day. Its rows become
// one block per series per UTC hour, merged with the series' blocks that
// hold points in the window (blocks overlapping it): late and retried
// points join their hour's block, and a block of a whole day, which
// compaction wrote before migration 9, is split into hours.
type window struct {
	day, from, to time.Time // day: the UTC day's midnight; [from, to) within it
}

// dayWindow returns the window of the whole UTC day that holds day.
func dayWindow(day time.Time) window {
	day = dayOf(day)
	return window{day: day, from: day, to: day.AddDate(0, 0, 1)}
}

// hourWindow returns the window of the UTC hour that holds t.
func hourWindow(t time.Time) window {
	from := t.UTC().Truncate(time.Hour)
	return window{day: dayOf(t), from: from, to: from.Add(time.Hour)}
}

// String returns the day, or the day and hour.
func (w window) String() string {
	if w.to.Sub(w.from) > time.Hour {
		return w.day.Format(time.DateOnly)
	}
	return w.from.Format("2006-01-02 15h")
}

// blockLastTSSQL is the time of the last point of the block b: the end of
// its last run of times.
const blockLastTSSQL = "b.block_start + (b.ts_run_start[cardinality(b.ts_run_start)] + " +
	"(b.ts_run_len[cardinality(b.ts_run_len)] - 1) * b.ts_step) * interval '1 microsecond'"

// overlapSQL selects the blocks b of a UTC day that hold points in a span
// of it, given as parameters (timestamptz): the day's midnight, the span's
// end and its start. A block holds the points of one UTC hour, or (written
// before migration 9) of the day from midnight, so the primary key finds
// the few that can.
func overlapSQL(day, to, from string) string {
	return "(b.block_start = " + day + " OR b.block_start >= date_trunc('hour', " + from + ", 'UTC')) AND b.block_start < " +
		to + " AND " + blockLastTSSQL + " >= " + from
}

// Compact compacts day's points now, whatever their age (the UTC day that
// holds day): every row of its partition of vitals_points moves into
// vitals_blocks, one block per series per hour, merged with the blocks of
// earlier runs. The maintenance does the same for each hour
// Config.CompactAfter after its end; Compact is for tools and benchmarks.
// Points written to day afterwards are merged by a later run. Each batch
// of series is bounded by Config.Timeout within ctx; a failure leaves the
// batches done so far done, and the day correct (see vitals_points_all).
func (e *Exporter) Compact(ctx context.Context, day time.Time) (CompactStats, error) {
	if e.shutdown.Load() {
		return CompactStats{}, fmt.Errorf("postgres: compact: %w", exporters.ErrShutdown)
	}
	c := e.compactor()
	c.wait = true
	day = dayOf(day)
	st := CompactStats{Day: day}
	unlock, err := c.lock(ctx)
	if err == nil {
		defer unlock()
		var ws []window
		if ws, _, err = c.dayDue(ctx, day, day.AddDate(0, 0, 1)); err == nil {
			st, err = c.sumWindows(ctx, day, ws)
		}
	}
	if err != nil {
		return st, fmt.Errorf("postgres: compact %s: %w", day.Format(time.DateOnly), err)
	}
	return st, nil
}

// startCompaction runs the compaction of the hours due now and then each
// time an hour has been closed for CompactAfter (up to a minute later, at
// random, so that a fleet's exporters do not all ask for the lock at
// once), or MaintenanceInterval after the last run, until ctx ends; the
// channel is closed when it has returned. With a negative CompactAfter it
// does nothing.
func (e *Exporter) startCompaction(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	c := e.compactor()
	if c.after < 0 {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		for {
			if err := c.run(ctx, time.Now()); err != nil && ctx.Err() == nil {
				e.log.Error("postgres: compaction failed; retrying at the next interval",
					"schema", e.cfg.Schema, "error", err)
			}
			// The next end of an hour, plus c.after.
			now := time.Now()
			next := now.Add(-c.after).Truncate(time.Hour).Add(time.Hour + c.after + rand.N(time.Minute))
			t := time.NewTimer(min(next.Sub(now), e.cfg.MaintenanceInterval))
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}()
	return done
}

// run takes the compaction lock, unless another process holds it, and
// compacts, oldest first, the windows due at now (see due), and rebuilds
// the bloated indexes of emptied days. A window that fails is logged and
// left for the next run; the others go on.
func (c *compactor) run(ctx context.Context, now time.Time) error {
	unlock, err := c.lock(ctx)
	if err != nil || unlock == nil {
		return err
	}
	defer unlock()
	windows, bloated, err := c.due(ctx, now)
	if err != nil {
		return err
	}
	for _, day := range bloated {
		c.reindex(ctx, day)
	}
	return c.compactWindows(ctx, windows)
}

// sumWindows compacts the windows ws of day in order and returns their
// stats added up, stopping at the first that fails.
func (c *compactor) sumWindows(ctx context.Context, day time.Time, ws []window) (CompactStats, error) {
	began := time.Now()
	sum := CompactStats{Day: day}
	for _, w := range ws {
		st, err := c.compactLocked(ctx, w)
		sum.Series = max(sum.Series, st.Series)
		sum.Points += st.Points
		sum.Batches += st.Batches
		if err != nil {
			return sum, err
		}
	}
	sum.Duration = time.Since(began)
	return sum, nil
}

// compactWindows compacts windows in order, logging each, and returns the
// errors of those that failed.
func (c *compactor) compactWindows(ctx context.Context, windows []window) error {
	var errs []error
	for _, w := range windows {
		st, err := c.compactLocked(ctx, w)
		if err != nil {
			errs = append(errs, fmt.Errorf("compact %s: %w", w, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if st.Series > 0 {
			c.log.Info("postgres: compacted points into blocks", "schema", c.n.Schema,
				"window", w.String(), "series", st.Series, "points", st.Points,
				"duration", st.Duration.Round(time.Millisecond))
		}
	}
	return errors.Join(errs...)
}

// due lists, oldest first, the windows to compact at now (see dayDue),
// and the compacted days whose emptied partition keeps a bloated index
// (see reindex: the rebuild failed after their compaction), of the days
// within the retention that began c.after before the end of an hour
// before now. A day that cannot be looked into is logged and left for the
// next run.
func (c *compactor) due(ctx context.Context, now time.Time) (due []window, bloated []time.Time, err error) {
	lctx, cancel := context.WithTimeout(ctx, c.timeout)
	days, err := partitionDays(lctx, c.pool, c.n)
	cancel()
	if err != nil {
		return nil, nil, fmt.Errorf("list partitions: %w", err)
	}
	slices.SortFunc(days, func(a, b time.Time) int { return a.Compare(b) })
	cutoff := now.Add(-c.after).UTC().Truncate(time.Hour)
	for _, day := range days {
		if !day.Before(cutoff) || c.parts.expired(day, now) {
			continue
		}
		ws, bloat, err := c.dayDue(ctx, day, cutoff)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, err
			}
			c.log.Warn("postgres: cannot look for points to compact in a day; the next run tries again",
				"schema", c.n.Schema, "day", day.Format(time.DateOnly), "error", err)
			continue
		}
		due = append(due, ws...)
		if bloat {
			bloated = append(bloated, day)
		}
	}
	return due, bloated, nil
}

// dayDue returns the windows of day to compact: each hour before cutoff
// with rows that a block can hold, found by reading the partition once
// (the hourly compaction keeps it small); or the whole day, compacted in
// bulk, if it ended before cutoff without ever being compacted and its
// partition holds c.bulkBytes or more (a backlog, which the bulk path
// reads once rather than once an hour). It also reports whether the day's
// emptied partition keeps a bloated index.
func (c *compactor) dayDue(ctx context.Context, day, cutoff time.Time) ([]window, bool, error) {
	part := pointsPartition(c.n, day)
	var (
		size               int64
		rows, bloat, block bool
	)
	qctx, cancel := context.WithTimeout(ctx, c.timeout)
	err := c.pool.QueryRow(qctx, "SELECT pg_relation_size($1), EXISTS (SELECT FROM "+part+"), "+bloatedSQL+
		", EXISTS (SELECT FROM "+c.n.Blocks+" WHERE block_start >= $2 AND block_start < $3)",
		part, day, day.AddDate(0, 0, 1)).Scan(&size, &rows, &bloat, &block)
	cancel()
	switch {
	case err != nil:
		return nil, false, fmt.Errorf("look into %s: %w", part, err)
	case !rows:
		return nil, bloat, nil
	case !day.AddDate(0, 0, 1).After(cutoff) && !block && size >= c.bulkBytes:
		return []window{dayWindow(day)}, false, nil
	}
	// A scan of the partition: c.timeout per 256 MB.
	qctx, cancel = context.WithTimeout(ctx, c.timeout*time.Duration(1+size/(256<<20)))
	defer cancel()
	r, err := c.pool.Query(qctx, "SELECT DISTINCT date_trunc('hour', ts, 'UTC') FROM "+part+
		" WHERE ts < $1 AND "+representableSQL+" ORDER BY 1", cutoff)
	if err != nil {
		return nil, false, fmt.Errorf("look into %s: %w", part, err)
	}
	hours, err := pgx.CollectRows(r, pgx.RowTo[time.Time])
	if err != nil {
		return nil, false, fmt.Errorf("look into %s: %w", part, err)
	}
	ws := make([]window, len(hours))
	for i, h := range hours {
		ws[i] = hourWindow(h)
	}
	return ws, false, nil
}

// bloatedSQL is true when the partition $1 has no heap left (its rows
// were moved into blocks and vacuumed) but its indexes still take more
// than the few pages of empty ones.
const bloatedSQL = "pg_relation_size($1) = 0 AND pg_indexes_size($1) > 256 * 1024"

// reindex rebuilds the indexes of day's partition of vitals_points once
// compaction has emptied it: VACUUM gives the heap's space back but not
// the primary-key index's (about 43 bytes per point moved), which would
// otherwise stay on disk until the retention drops the day, three times
// what the blocks take. Rebuilding the index of an empty table is
// instant, but it locks the table against writes (late points) and the
// index against reads, so it waits at most a second for those locks; a
// failure is logged, and the next maintenance run tries again.
func (c *compactor) reindex(ctx context.Context, day time.Time) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	part := pointsPartition(c.n, day)
	err := pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
		var bloat bool
		if err := tx.QueryRow(ctx, "SELECT "+bloatedSQL, part).Scan(&bloat); err != nil || !bloat {
			return err
		}
		if _, err := tx.Exec(ctx, "SET LOCAL lock_timeout = '1s'"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "REINDEX TABLE "+part)
		return err
	})
	if err != nil && sqlState(err) != undefinedTable && ctx.Err() == nil {
		c.log.Warn("postgres: cannot rebuild the index of a compacted day's partition; the next maintenance run tries again",
			"schema", c.n.Schema, "day", day.Format(time.DateOnly), "error", err)
	}
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

// compactLocked moves the rows of the window w of its day's partition of
// vitals_points into blocks, in bulk if w is a day and the partition holds
// c.bulkBytes or more (see compact_bulk.go), else (or if rows are written
// meanwhile) batch by batch, then vacuums the partition. The caller holds the
// compaction lock; if another process compacts the same window at once
// regardless, every point still ends up in one block (see compactBatch; a
// bulk compaction sees the rows change and falls back).
func (c *compactor) compactLocked(ctx context.Context, w window) (CompactStats, error) {
	began := time.Now()
	day := w.day
	st := CompactStats{Day: day}
	bctx, cancel := context.WithTimeout(ctx, c.timeout)
	ranges, size, err := c.batches(bctx, day)
	if err == nil {
		err = createBlocksPartition(bctx, c.pool, c.n, day)
	}
	cancel()
	if err != nil {
		return st, err
	}
	// An hour's rows are compacted batch by batch: they are a small part
	// of the partition, which the page cache holds as it is being
	// written, and the batches read them by the primary key (for 10,000
	// series, 22 s an hour in batches, 32 s in bulk).
	bulk := false
	if w.to.Sub(w.from) > time.Hour && size >= c.bulkBytes {
		bst, err := c.compactBulk(ctx, w, size, len(ranges))
		switch {
		case err == nil:
			st, bulk = bst, true
		case !errors.Is(err, errRowsTaken):
			return bst, err
		default:
			c.log.Info("postgres: rows of the window were compacted elsewhere while it was compacted in bulk; compacting it batch by batch",
				"schema", c.n.Schema, "window", w.String())
		}
	}
	if !bulk {
		if err := c.compactBatches(ctx, w, ranges, &st); err != nil {
			return st, err
		}
	}
	c.vacuum(ctx, day, size)
	st.Duration = time.Since(began)
	return st, nil
}

// compactBatches runs compactBatch for each range of ids, c.workers at a
// time, each on a connection of its own, adding to st.
func (c *compactor) compactBatches(ctx context.Context, w window, ranges [][2]int64, st *CompactStats) error {
	ctx, cancel := context.WithCancel(ctx)
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
				series, points, err := c.compactBatch(ctx, w, ranges[i][0], ranges[i][1])
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
	return first
}

// batches splits the id space into ranges [lo, hi] each holding about
// c.batchBytes of day's rows, going by the size of the partition (which it
// returns): ids are hashes, spread evenly.
func (c *compactor) batches(ctx context.Context, day time.Time) (ranges [][2]int64, size int64, err error) {
	if err := c.pool.QueryRow(ctx, "SELECT pg_relation_size($1)", pointsPartition(c.n, day)).Scan(&size); err != nil {
		return nil, 0, fmt.Errorf("size of %s: %w", pointsPartition(c.n, day), err)
	}
	return idRanges(max(1, min((size+c.batchBytes-1)/c.batchBytes, 1<<20))), size, nil
}

// idRanges splits the id space into k ranges [lo, hi] of equal width, in
// order.
func idRanges(k int64) (ranges [][2]int64) {
	width := math.MaxUint64/uint64(k) + 1
	ranges = make([][2]int64, k)
	for i := range ranges {
		lo := uint64(i) * width
		hi := lo + width - 1
		if i == len(ranges)-1 {
			hi = math.MaxUint64
		}
		// Shift the unsigned ranges down to int64, keeping their order.
		ranges[i] = [2]int64{int64(lo ^ 1<<63), int64(hi ^ 1<<63)}
	}
	return ranges
}

// compactBatch moves the rows of the window w of the series with ids in
// [lo, hi] into their blocks, in one transaction, and returns the number
// of blocks written and of rows moved.
func (c *compactor) compactBatch(ctx context.Context, w window, lo, hi int64) (series, points int, err error) {
	day := w.day
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	err = pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
		// The schema's advisory lock, shared: batches run side by side,
		// and DDL (which takes it exclusive) waits for them.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock_shared($1)", lockKey(c.n.Schema)); err != nil {
			return fmt.Errorf("advisory lock: %w", err)
		}
		ids, blocks, n, replaced, err := c.collect(ctx, tx, w, "DELETE FROM "+pointsPartition(c.n, day)+
			" WHERE series_id BETWEEN $1 AND $2 AND ts >= $3 AND ts < $4 AND "+representableSQL+
			" RETURNING "+strings.Join(pointColumnNames, ", "), lo, hi, w.from, w.to)
		if err != nil || len(ids) == 0 {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM "+blocksPartition(c.n, day)+" AS b WHERE b.series_id = ANY($1) AND "+
			overlapSQL("$2", "$3", "$4"), ids, day, w.to, w.from); err != nil {
			return err
		}
		table := pgx.Identifier{c.n.Schema, blocksPartitionPrefix + day.Format("20060102")}
		if _, err := tx.CopyFrom(ctx, table, blockColumnNames(), pgx.CopyFromRows(blocks)); err != nil {
			return fmt.Errorf("write the blocks: %w", err)
		}
		if err := c.markReplaced(ctx, tx, replaced); err != nil {
			return err
		}
		series, points = len(ids), n
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

// dbtx is a transaction or a connection.
type dbtx interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// collect reads the rows that query (with args) returns, which are in
// the window w, and the points of those series' blocks that overlap w,
// written by earlier runs, which follow the rows and are replaced by
// those at the same time. It returns the series (in id order), their new
// blocks, one per series per UTC hour with points, the number of rows
// read, and the minutes in which a row replaced a block's point: a
// snapshot written again after its hour was compacted (a retry whose
// answer was lost), which vitals_points_all showed twice meanwhile, and
// which the rollups must roll up again (see markReplaced).
func (c *compactor) collect(ctx context.Context, q dbtx, w window, query string, args ...any) (
	ids []int64, blocks [][]any, rows int, replaced []time.Time, err error) {
	points := map[int64][]blockPoint{}
	r, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, nil, 0, nil, err
	}
	if err := readPoints(r, points); err != nil {
		return nil, nil, 0, nil, fmt.Errorf("read the rows: %w", err)
	}
	raw := make(map[int64]int, len(points))
	for id, pts := range points {
		ids = append(ids, id)
		rows += len(pts)
		raw[id] = len(pts)
	}
	if len(ids) == 0 {
		return nil, nil, 0, nil, nil
	}
	slices.Sort(ids)
	r, err = q.Query(ctx, blockPointsSQL(c.n, "b.series_id = ANY($1) AND "+overlapSQL("$2", "$3", "$4")),
		ids, w.day, w.to, w.from)
	if err != nil {
		return nil, nil, 0, nil, err
	}
	if err := readPoints(r, points); err != nil {
		return nil, nil, 0, nil, fmt.Errorf("read the blocks: %w", err)
	}
	const hour = int64(time.Hour / time.Microsecond)
	for _, id := range ids {
		replaced = appendReplaced(replaced, points[id], raw[id])
		pts := sortPoints(points[id])
		for len(pts) > 0 {
			start := pts[0].ts - (pts[0].ts%hour+hour)%hour
			n := 1
			for n < len(pts) && pts[n].ts < start+hour {
				n++
			}
			blocks = append(blocks, encodeBlock(id, start, pts[:n]))
			pts = pts[n:]
		}
	}
	slices.SortFunc(replaced, func(a, b time.Time) int { return a.Compare(b) })
	return ids, blocks, rows, slices.Compact(replaced), nil
}

// appendReplaced appends to minutes the minute of each point of a block
// among pts (those after the first raw) at the time of a row (the first
// raw).
func appendReplaced(minutes []time.Time, pts []blockPoint, raw int) []time.Time {
	if len(pts) == raw {
		return minutes
	}
	rows := make(map[int64]bool, raw)
	for _, p := range pts[:raw] {
		rows[p.ts] = true
	}
	for _, p := range pts[raw:] {
		if rows[p.ts] {
			minutes = append(minutes, pgEpoch.Add(time.Duration(p.ts)*time.Microsecond).Truncate(time.Minute))
		}
	}
	return minutes
}

// markReplaced marks minutes in vitals_rollup_dirty, in the transaction
// tx that compacts their points, for the rollups to roll them up again:
// they counted a point twice while a row stood beside its block's copy.
func (c *compactor) markReplaced(ctx context.Context, tx pgx.Tx, minutes []time.Time) error {
	for _, m := range minutes {
		if _, err := tx.Exec(ctx, rollupMarkSQL(c.n), m); err != nil {
			return fmt.Errorf("mark minute %s for the rollups: %w", m.Format(time.RFC3339), err)
		}
	}
	return nil
}

// vacuum vacuums day's partition of vitals_points, of size bytes, once
// its rows are moved, which gives their space back at once (the file is
// truncated when no row is left) rather than when autovacuum comes, then
// rebuilds its emptied index (see reindex).
// Unlike TRUNCATE it keeps the rows that a transaction older than the
// compaction still sees. It is given c.timeout per 256 MB; a failure is
// logged, not returned: the day is compacted, and autovacuum will do it.
// A role that may not vacuum the table only gets a warning from the
// server.
func (c *compactor) vacuum(ctx context.Context, day time.Time, size int64) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout*time.Duration(1+size/(256<<20)))
	defer cancel()
	_, err := c.pool.Exec(ctx, "VACUUM "+pointsPartition(c.n, day))
	if err != nil && sqlState(err) != undefinedTable && ctx.Err() == nil {
		c.log.Warn("postgres: cannot vacuum a compacted day's partition; autovacuum will",
			"schema", c.n.Schema, "day", day.Format(time.DateOnly), "error", err)
		return
	}
	c.reindex(ctx, day)
}

// blockColumnNames returns the names of the columns of vitals_blocks, in
// the order of encodeBlock's values.
func blockColumnNames() []string {
	var names []string
	for _, c := range slices.Concat(blockColumns, blockColumnsV7, blockColumnsV9) {
		names = append(names, c.name)
	}
	return names
}

// lockNotAvailable is the SQLSTATE of a lock_timeout.
const lockNotAvailable = "55P03"
