package postgres

import (
	"context"
	"errors"
	"maps"
	"math"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/pgschema"
	"github.com/vitals-go/vitals/metrics"
)

// TestCopyAndFallback follows writePoints down each of its paths: COPY into
// the day's partition, the INSERT ... ON CONFLICT DO NOTHING fallback when
// the snapshot is already stored, and the INSERT through the parent when
// the day has no partition or its partition was dropped behind the
// exporter's back. No path loses or duplicates a row.
func TestCopyAndFallback(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{Retention: 10 * 24 * time.Hour})
	ctx := xpCtx(t)
	schema := e.cfg.Schema

	// Every kind, and edge values through the binary encoding.
	snap := registryOfEveryKind(t).Peek()
	snap.Series = append(snap.Series,
		metrics.Series{Name: "edge.nan", Kind: metrics.KindGaugeFloat64, Value: math.NaN()},
		metrics.Series{Name: "edge.tiny", Kind: metrics.KindGaugeFloat64, Value: -math.SmallestNonzeroFloat64},
		metrics.Series{Name: "edge.max", Kind: metrics.KindCounter, Count: math.MaxInt64},
		metrics.Series{Name: "edge.min", Kind: metrics.KindCounter, Count: math.MinInt64},
		metrics.Series{Name: "edge.hist", Kind: metrics.KindHistogram, Count: 9, Summary: metrics.Summary{
			Count: 2, Sum: 3, Min: math.MinInt64, Max: 2, Mean: 1.5, StdDev: math.Inf(1), P50: 1, P75: 2, P95: 2, P99: 2, P999: 2,
			Buckets: []metrics.Bucket{{Index: math.MinInt32, Count: 1}, {Index: -3, Count: 0}, {Index: math.MaxInt32, Count: math.MaxUint64}},
		}},
	)
	// Sub-microsecond digits: COPY must truncate them as the INSERT does, or
	// the fallback would not see the copied points as the same.
	now := time.Now().UTC()
	snap.Time = time.Date(now.Year(), now.Month(), now.Day(), 12, 34, 56, 789_123_756, time.UTC)
	want := snap
	want.Series = append([]metrics.Series(nil), snap.Series...)
	hist := &want.Series[len(want.Series)-1]
	hist.Summary.Buckets = []metrics.Bucket{{Index: math.MinInt32, Count: 1}, {Index: -3, Count: 0}, {Index: math.MaxInt32, Count: math.MaxInt64}} // clamped

	write := func(what string, snap metrics.Snapshot, wantMode writeMode) {
		t.Helper()
		e.w.prepare(snap)
		if len(e.w.b.newIDs) > 0 {
			if _, err := e.upsertSeries(ctx); err != nil {
				t.Fatalf("%s: upsertSeries: %v", what, err)
			}
		}
		mode, err := e.writePoints(ctx, snap.Time)
		if err != nil {
			t.Fatalf("%s: writePoints: %v", what, err)
		}
		if mode != wantMode {
			t.Fatalf("%s: written by mode %d, want %d", what, mode, wantMode)
		}
	}
	count := func() map[string]int {
		t.Helper()
		got := rowsByPartition(t, pool, schema)
		for part, n := range got {
			if n%len(snap.Series) != 0 {
				t.Fatalf("%s holds %d rows, not a multiple of the %d series", part, n, len(snap.Series))
			}
			got[part] = n / len(snap.Series)
		}
		return got
	}
	check := func(what string, wantFlushes map[string]int) {
		t.Helper()
		if got := count(); !maps.Equal(got, wantFlushes) {
			t.Fatalf("%s: flushes by partition = %v, want %v", what, got, wantFlushes)
		}
	}
	today := partitionName(snap.Time)

	write("first flush", snap, copied)
	checkStored(t, pool, schema, want)
	check("first flush", map[string]int{today: 1})

	// The same snapshot again, as after a lost answer: COPY fails on the
	// primary key, the fallback skips every point.
	write("retry", snap, insertedOnConflict)
	check("retry", map[string]int{today: 1})
	// And through Export, with a fresh series cache as after a restart.
	e.w = newWriter()
	if err := e.Export(ctx, snap); err != nil {
		t.Fatal(err)
	}
	check("retry by Export", map[string]int{today: 1})
	checkStored(t, pool, schema, want)

	// A day past retention gets no partition: the rows go through the
	// parent to the default partition, and a retry stores them once.
	old := snap
	old.Time = snap.Time.AddDate(0, 0, -20)
	if err := e.parts.ensure(ctx, old.Time); err != nil || e.parts.has(old.Time) {
		t.Fatalf("ensure(-20 days) = %v, partition known %v; want no partition", err, e.parts.has(old.Time))
	}
	write("day without partition", old, inserted)
	write("day without partition, retry", old, insertedOnConflict)
	check("day without partition", map[string]int{today: 1, "vitals_points_default": 1})
	checkStored(t, pool, schema, func() metrics.Snapshot { w := want; w.Time = old.Time; return w }())

	// Tomorrow's partition, created ahead, is dropped behind the exporter's
	// back: COPY finds no table, the rows go to the default partition, and
	// the next Export creates the partition again, moving them there.
	next := snap
	next.Time = snap.Time.AddDate(0, 0, 1)
	if !e.parts.has(next.Time) {
		t.Fatal("tomorrow's partition is not known")
	}
	if _, err := pool.Exec(ctx, "DROP TABLE "+pgschema.NewNames(schema).Quoted+"."+partitionName(next.Time)); err != nil {
		t.Fatal(err)
	}
	write("dropped partition", next, inserted)
	check("dropped partition", map[string]int{today: 1, "vitals_points_default": 2})
	if e.parts.has(next.Time) {
		t.Fatal("the dropped partition is still known")
	}
	if err := e.Export(ctx, next); err != nil {
		t.Fatal(err)
	}
	check("dropped partition, Export again", map[string]int{today: 1, partitionName(next.Time): 1, "vitals_points_default": 1})
	checkStored(t, pool, schema, func() metrics.Snapshot { w := want; w.Time = next.Time; return w }())
}

// TestCopyFailureIsRetried: a snapshot whose COPY failed is offered again,
// and written at once with ON CONFLICT DO NOTHING, storing each point once.
func TestCopyFailureIsRetried(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{})
	ctx := xpCtx(t)
	snap := registryOfEveryKind(t).Peek()
	if err := e.Export(ctx, snap); err != nil {
		t.Fatal(err)
	}
	snap.Time = snap.Time.Add(time.Second)
	e.w.prepare(snap)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.writePoints(cancelled, snap.Time); err == nil || !e.failedAt.Equal(snap.Time) {
		t.Fatalf("writePoints with a cancelled context = %v, failedAt %v", err, e.failedAt)
	}
	e.w.prepare(snap)
	if mode, err := e.writePoints(ctx, snap.Time); err != nil || mode != insertedOnConflict {
		t.Fatalf("writePoints after a failure = mode %d, %v; want ON CONFLICT", mode, err)
	}
	checkStored(t, pool, e.cfg.Schema, snap)
}

// TestCopyReaderClosed: pgconn may read after CopyFrom has returned (when
// the connection fails); a closed copyReader no longer touches the batch.
func TestCopyReaderClosed(t *testing.T) {
	t.Parallel()
	w := newWriter()
	w.prepare(benchSnapshot(1000))
	r := newCopyReader(&w.b, 0, len(w.b.ids), time.Now(), nil)
	p := make([]byte, 100)
	if n, err := r.Read(p); n != len(p) || err != nil || string(p[:len(copyHeader)]) != copyHeader {
		t.Fatalf("Read = %d, %v, %q", n, err, p[:len(copyHeader)])
	}
	r.close()
	if n, err := r.Read(p); n != 0 || !errors.Is(err, errCopyClosed) {
		t.Fatalf("Read after close = %d, %v; want errCopyClosed", n, err)
	}
}

// TestCopyParts: a flush large enough to be copied in parts stores every
// row once, and so does one whose last part meets a row already stored
// (that part fails, the others commit, and the fallback writes the rest).
func TestCopyParts(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{Timeout: 40 * time.Second})
	ctx := xpCtx(t)
	snap := benchSnapshot(2 * rowsPerCopy)
	if err := e.Export(ctx, snap); err != nil {
		t.Fatal(err)
	}
	stored := func(ts time.Time) (rows, distinct int) {
		t.Helper()
		err := pool.QueryRow(ctx, "SELECT count(*), count(DISTINCT series_id) FROM "+e.n.Points+" WHERE ts = $1", ts).
			Scan(&rows, &distinct)
		if err != nil {
			t.Fatal(err)
		}
		return rows, distinct
	}
	if rows, distinct := stored(snap.Time); rows != len(snap.Series) || distinct != rows {
		t.Fatalf("first flush: %d rows of %d series; want %d", rows, distinct, len(snap.Series))
	}

	snap.Time = snap.Time.Add(time.Second)
	e.w.prepare(snap)
	last := e.w.b.ids[len(e.w.b.ids)-1].v // in the last part
	if _, err := pool.Exec(ctx, "INSERT INTO "+e.n.Points+" (series_id, ts, value) VALUES ($1, $2, -1)", last, snap.Time); err != nil {
		t.Fatal(err)
	}
	if mode, err := e.writePoints(ctx, snap.Time); err != nil || mode != insertedOnConflict {
		t.Fatalf("writePoints = mode %d, %v; want ON CONFLICT after the last part failed", mode, err)
	}
	if rows, distinct := stored(snap.Time); rows != len(snap.Series) || distinct != rows {
		t.Fatalf("second flush: %d rows of %d series; want %d", rows, distinct, len(snap.Series))
	}
	var value float64
	if err := pool.QueryRow(ctx, "SELECT value FROM "+e.n.Points+" WHERE series_id = $1 AND ts = $2", last, snap.Time).Scan(&value); err != nil || value != -1 {
		t.Fatalf("the row stored before = %v, %v; want it untouched", value, err)
	}
}
