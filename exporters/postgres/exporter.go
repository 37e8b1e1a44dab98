package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/internal/pgschema"
	"github.com/vitals-go/vitals/internal/pgurl"
	"github.com/vitals-go/vitals/metrics"
)

// Exporter writes snapshots to PostgreSQL: one row per series per snapshot
// in vitals_points, series in vitals_series. Create it with New.
type Exporter struct {
	cfg  Config
	n    pgschema.Names
	pool *pgxpool.Pool
	log  *slog.Logger

	sqlPoints, sqlPointsOnConflict, sqlSeries string

	// Used by Export only, which the Reporter never calls concurrently.
	w          *writer
	collisions map[int64]bool // ids already logged about, see logOnce
	failedAt   time.Time      // of the last snapshot whose points could not be written

	parts   partitions
	rollups *rollups // see rollup.go

	stopMaintenance context.CancelFunc
	maintenanceDone chan struct{}
	shutdown        atomic.Bool

	busy chan struct{} // a one-slot semaphore held by the Export in progress
	// The Export in progress, for Shutdown to interrupt; guarded by mu.
	mu              sync.Mutex
	interrupt       context.CancelCauseFunc // nil between Exports
	exported        chan struct{}           // closed when that Export returns
	releaseRecorded atomic.Bool             // this process is in vitals_releases, see recordRelease
}

var (
	_ exporters.Exporter     = (*Exporter)(nil)
	_ exporters.PointCounter = (*Exporter)(nil)
)

// New connects to cfg.URL, checks the privileges of its role, creates or
// migrates the schema, creates the partitions of today and the next
// cfg.PartitionsAhead days, and starts the maintenance that keeps them so.
//
// Every failure to reach or use the database is returned here, as one line
// that leads with the cause and never shows a password. A URL that cannot
// be parsed or a database that cannot be reached gives
// "postgres: <cause>; URL <the URL, passwords masked>", for instance
//
//	postgres: database "metrics" does not exist (SQLSTATE 3D000); URL postgres://svc:xxxxx@db:5432/metrics
//
// (errors.As finds the *pgconn.PgError of a refusal by the server). Unless
// the URL is empty, the error does not name Config.URL, so that a caller
// that read the URL from elsewhere can say where. A missing privilege
// names the GRANT that gives it (see "Privileges" in the package
// documentation).
func New(ctx context.Context, cfg Config) (*Exporter, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	pc, err := pgurl.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	e := &Exporter{
		cfg:                 cfg,
		n:                   pgschema.NewNames(cfg.Schema),
		pool:                pool,
		log:                 cfg.Logger,
		w:                   newWriter(),
		busy:                make(chan struct{}, 1),
		collisions:          map[int64]bool{},
		sqlPoints:           pointsSQL(pgschema.NewNames(cfg.Schema), false),
		sqlPointsOnConflict: pointsSQL(pgschema.NewNames(cfg.Schema), true),
		sqlSeries:           seriesSQL(pgschema.NewNames(cfg.Schema)),
	}
	e.parts = partitions{pool: pool, n: e.n, ahead: cfg.PartitionsAhead, retention: cfg.Retention, log: cfg.Logger,
		known: map[time.Time]bool{}, failed: map[time.Time]bool{}}
	e.rollups = newRollups(pool, e.n, cfg)
	if err := e.start(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	mctx, cancel := context.WithCancel(context.Background())
	e.stopMaintenance, e.maintenanceDone = cancel, make(chan struct{})
	go e.maintain(mctx)
	return e, nil
}

// start connects, checks the privileges, migrates and creates the
// partitions, each step within cfg.Timeout.
func (e *Exporter) start(ctx context.Context) error {
	step := func(f func(context.Context) error) error {
		ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
		defer cancel()
		return f(ctx)
	}
	if err := step(e.pool.Ping); err != nil {
		return fmt.Errorf("postgres: %w", pgurl.ConnectError(err, e.cfg.URL))
	}
	if err := step(func(ctx context.Context) error { return checkPrivileges(ctx, e.pool, e.cfg.Schema) }); err != nil {
		return err
	}
	if err := step(func(ctx context.Context) error { return migrate(ctx, e.pool, e.cfg.Schema) }); err != nil {
		return fmt.Errorf("postgres: migrate schema %s: %w", e.n.Quoted, err)
	}
	if err := step(func(ctx context.Context) error { return e.parts.maintain(ctx, time.Now()) }); err != nil {
		return fmt.Errorf("postgres: maintain partitions: %w", err)
	}
	return nil
}

// maintain runs partition maintenance every MaintenanceInterval, and
// rollup maintenance every minute (or MaintenanceInterval when shorter),
// until ctx is cancelled.
func (e *Exporter) maintain(ctx context.Context) {
	defer close(e.maintenanceDone)
	compaction := e.startCompaction(ctx) // see compact.go
	defer func() { <-compaction }()
	t := time.NewTicker(e.cfg.MaintenanceInterval)
	defer t.Stop()
	roll := time.NewTicker(e.rollups.every)
	defer roll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-roll.C:
			e.rollups.run(ctx)
			continue
		case <-t.C:
		}
		mctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
		err := e.parts.maintain(mctx, time.Now())
		cancel()
		if err != nil && ctx.Err() == nil {
			e.log.Error("postgres: partition maintenance failed; retrying at the next interval",
				"schema", e.cfg.Schema, "error", err)
		}
	}
}

// Points returns how many rows Export writes for snap: one per series.
func (e *Exporter) Points(snap metrics.Snapshot) int { return len(snap.Series) }

// Export writes one row per series of snap, with COPY into the partition of
// snap's day (see writer.go). Series left out (invalid text, or an id
// already held by another series) are reported as rejected with
// exporters.Rejected; errors of the connection or the server are returned
// as they are, for the Reporter to retry. A retry never duplicates a row:
// when any point of the snapshot is already stored, the COPY fails as a
// whole on the primary key and the points are sent again at once by an
// INSERT with ON CONFLICT DO NOTHING, which is also used straight away for
// a snapshot offered again after an error.
func (e *Exporter) Export(ctx context.Context, snap metrics.Snapshot) error {
	ctx, done, err := e.begin(ctx)
	if err != nil {
		return err
	}
	defer done()
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	if err := e.parts.ensure(ctx, snap.Time); err != nil {
		return classify(err)
	}

	w := e.w
	w.prepare(snap)
	b := &w.b
	rejected, reason := b.rejected, b.reason
	for _, d := range b.dupes {
		if d.same {
			e.logOnce(d.id, slog.LevelWarn, "postgres: a series appears twice in the snapshot; its second row is rejected",
				"series", d.name)
			continue
		}
		e.logCollision(d.id, "series", d.name, "reason", "another series of the same snapshot has this id")
	}
	if len(b.newIDs) > 0 {
		bad, err := e.upsertSeries(ctx)
		if err != nil {
			return classify(err)
		}
		unverified := map[int64]bool{} // not to be cached as stored
		collided := map[int64]bool{}   // whose points are not written
		for _, c := range bad {
			unverified[c.id] = true
			if c.name == nil {
				continue // stored concurrently by another process: checked at the next flush
			}
			collided[c.id] = true
			rejected++
			if reason == nil {
				reason = fmt.Errorf("%w: id %d is stored as %s %s", errCollision, c.id, *c.name, *c.tags)
			}
			e.logCollision(c.id, "series", e.nameOf(c.id), "stored_name", *c.name, "stored_tags", *c.tags)
		}
		w.stored(unverified)
		b.drop(collided)
	}
	if len(b.ids) > 0 {
		if _, err := e.writePoints(ctx, snap.Time); err != nil {
			return classify(err)
		}
	}
	e.recordRelease(ctx, snap) // at every successful write: the release row and its last_export
	if rejected > 0 {
		return exporters.Rejected(rejected, reason)
	}
	return nil
}

// writeMode is how writePoints wrote a flush.
type writeMode int

const (
	copied             writeMode = iota + 1 // COPY into the day's partition
	inserted                                // pointsSQL through the parent
	insertedOnConflict                      // pointsSQL with ON CONFLICT DO NOTHING
)

// writePoints writes the points of the batch, whose series are stored.
//
// Most flushes are written once and never conflict, so they are copied into
// the day's partition, without the per-row probe of the primary key that ON
// CONFLICT would cost (COPY has no ON CONFLICT anyway). A point already
// stored (a retry of a flush that was committed but whose answer was lost,
// or another process writing the same series) fails the COPY as a whole
// with a unique violation, and the points are sent again, at once, by
// INSERT ... ON CONFLICT DO NOTHING. A day without a known partition (its
// creation failed, or it is past retention) or whose partition turns out
// to be gone goes through the parent table, which routes the rows to the
// default partition, by the same INSERT, first without ON CONFLICT. A
// snapshot offered again after a failed Export goes straight to ON
// CONFLICT. Either way each point is stored exactly once.
func (e *Exporter) writePoints(ctx context.Context, ts time.Time) (mode writeMode, err error) {
	defer func() { e.noteFailure(ts, err) }()
	if ts.Equal(e.failedAt) {
		return insertedOnConflict, e.insertPoints(ctx, ts, true)
	}
	if e.parts.has(ts) {
		mode, err = copied, e.copyPoints(ctx, ts)
		if sqlState(err) == undefinedTable { // dropped since it was ensured
			e.parts.forget(ts)
			mode, err = inserted, e.insertPoints(ctx, ts, false)
		}
	} else {
		mode, err = inserted, e.insertPoints(ctx, ts, false)
	}
	if sqlState(err) == uniqueViolation {
		mode, err = insertedOnConflict, e.insertPoints(ctx, ts, true)
	}
	return mode, err
}

// insertPoints writes the batch through the parent table by pointsSQL.
func (e *Exporter) insertPoints(ctx context.Context, ts time.Time, onConflict bool) error {
	sql := e.sqlPoints
	if onConflict {
		sql = e.sqlPointsOnConflict
	}
	_, err := e.pool.Exec(ctx, sql, append([]any{ts}, e.w.b.pointArgs()...)...)
	return err
}

// noteFailure remembers the time of a snapshot whose write failed, or
// forgets it when err is nil.
func (e *Exporter) noteFailure(ts time.Time, err error) {
	if err != nil {
		e.failedAt = ts
	} else {
		e.failedAt = time.Time{}
	}
}

type badSeries struct {
	id         int64
	name, tags *string
}

// upsertSeries stores the batch's new series and returns those that could
// not be verified as stored under their name and tags; see seriesSQL.
func (e *Exporter) upsertSeries(ctx context.Context) ([]badSeries, error) {
	rows, err := e.pool.Query(ctx, e.sqlSeries, e.w.b.seriesArgs()...)
	if err != nil {
		return nil, err
	}
	var bad []badSeries
	var c badSeries
	_, err = pgx.ForEachRow(rows, []any{&c.id, &c.name, &c.tags}, func() error {
		bad = append(bad, c)
		return nil
	})
	return bad, err
}

// nameOf returns the name of a series of the flush being written.
func (e *Exporter) nameOf(id int64) string {
	for i, x := range e.w.b.newIDs {
		if x == id {
			return e.w.b.newNames[i]
		}
	}
	return ""
}

// logCollision logs a collision once per id and process.
func (e *Exporter) logCollision(id int64, args ...any) {
	e.logOnce(id, slog.LevelError,
		"postgres: series id collision: points of this series are rejected, not written under another series", args...)
}

// logOnce logs about a series id once per process (for the first 10,000
// ids), so that a problem repeated at every flush is logged once.
func (e *Exporter) logOnce(id int64, level slog.Level, msg string, args ...any) {
	if e.collisions[id] {
		return
	}
	if len(e.collisions) < 10000 {
		e.collisions[id] = true
	}
	e.log.Log(context.Background(), level, msg, append([]any{"id", id, "schema", e.cfg.Schema}, args...)...)
}

// Shutdown stops the maintenance and closes the connections, keeping the
// contract of exporters.Exporter: it waits for an Export in progress until
// ctx ends, then interrupts it; a second call returns exporters.ErrShutdown.
func (e *Exporter) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	if e.shutdown.Swap(true) {
		e.mu.Unlock()
		return exporters.ErrShutdown
	}
	interrupt, exported := e.interrupt, e.exported
	e.mu.Unlock()
	e.stopMaintenance()

	var interrupted error
	if exported != nil {
		select {
		case <-exported:
		case <-ctx.Done():
			interrupted = fmt.Errorf("postgres: Shutdown's context ended during an Export, which it interrupted: %w", context.Cause(ctx))
			interrupt(interrupted)
			<-exported // pgx returns as soon as its context is cancelled
		}
	}
	// The maintenance has its context cancelled and returns as soon as its
	// statement does; Close waits for that, and for nothing else: no Export
	// is in progress any more.
	<-e.maintenanceDone
	e.pool.Close()
	return interrupted
}

// begin registers an Export, so that Shutdown can interrupt it, and returns
// its context and the function that ends it. Exports run one at a time: a
// second waits for the first, or for its ctx. After Shutdown, begin returns
// exporters.ErrShutdown.
func (e *Exporter) begin(ctx context.Context) (context.Context, func(), error) {
	if e.shutdown.Load() {
		return nil, nil, exporters.ErrShutdown
	}
	select {
	case e.busy <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shutdown.Load() {
		<-e.busy
		return nil, nil, exporters.ErrShutdown
	}
	ctx, cancel := context.WithCancelCause(ctx)
	exported := make(chan struct{})
	e.interrupt, e.exported = cancel, exported
	return ctx, func() {
		e.mu.Lock()
		e.interrupt, e.exported = nil, nil
		e.mu.Unlock()
		cancel(nil)
		close(exported)
		<-e.busy
	}, nil
}
