package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	gometrics "github.com/rcrowley/go-metrics"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/internal/pgschema"
	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

// xpNew starts an Exporter on a fresh schema of the test server; it is
// shut down at cleanup. Its maintenance compacts nothing unless cfg sets
// CompactAfter: it would move the rows of hours closed 10 minutes ago into
// blocks while a test reads vitals_points, at a moment that depends on the
// time of day.
func xpNew(t testing.TB, cfg Config) (*Exporter, *pgxpool.Pool) {
	t.Helper()
	if cfg.CompactAfter == 0 {
		cfg.CompactAfter = -1
	}
	pool, srv := xpPool(t)
	if cfg.URL == "" {
		cfg.URL = srv.URL
	}
	if cfg.Schema == "" {
		cfg.Schema = xpSchema(t)
	}
	if cfg.Logger == nil {
		var logs testkit.Buffer
		cfg.Logger = newTestLogger(&logs)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("exporter logs:\n%s", logs.String())
			}
		})
	}
	e, err := New(xpCtx(t), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Shutdown(context.Background()); err != nil && !errors.Is(err, exporters.ErrShutdown) {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return e, pool
}

// storedRow is a row of vitals_points with its series, as read back.
type storedRow struct {
	Name, Kind, Unit string
	Tags             map[string]string
	TS               time.Time
	Ints             [numInts]*int64
	Floats           [numFloats]*float64
	BucketIdx        []int32
	BucketCnt        []int64
}

func (r storedRow) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %v %s %q %s", r.Name, r.Tags, r.Kind, r.Unit, r.TS.Format(time.RFC3339Nano))
	for c, p := range r.Ints {
		if p != nil {
			fmt.Fprintf(&b, " %s=%d", intCols[c], *p)
		}
	}
	for c, p := range r.Floats {
		if p != nil {
			fmt.Fprintf(&b, " %s=%v", floatCols[c], *p)
		}
	}
	fmt.Fprintf(&b, " buckets=%v/%v", r.BucketIdx, r.BucketCnt)
	return b.String()
}

// readRows reads every point of schema with plain SQL, by series id.
func readRows(t testing.TB, pool *pgxpool.Pool, schema string) map[int64][]storedRow {
	t.Helper()
	n := pgschema.NewNames(schema)
	cols := "p.series_id, s.name, s.tags::text, s.kind, s.unit, p.ts, p." + strings.Join(intCols[:], ", p.") +
		", p." + strings.Join(floatCols[:], ", p.") + ", p.bucket_idx, p.bucket_cnt"
	rows, err := pool.Query(context.Background(), "SELECT "+cols+" FROM "+n.Points+" p JOIN "+n.Series+
		" s ON s.id = p.series_id ORDER BY p.series_id, p.ts")
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64][]storedRow{}
	var id int64
	var r storedRow
	var tags string
	dest := []any{&id, &r.Name, &tags, &r.Kind, &r.Unit, &r.TS}
	for c := range r.Ints {
		dest = append(dest, &r.Ints[c])
	}
	for c := range r.Floats {
		dest = append(dest, &r.Floats[c])
	}
	dest = append(dest, &r.BucketIdx, &r.BucketCnt)
	_, err = pgx.ForEachRow(rows, dest, func() error {
		got := r
		got.Tags = nil
		if err := json.Unmarshal([]byte(tags), &got.Tags); err != nil {
			return err
		}
		out[id] = append(out[id], got)
		r = storedRow{}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// expectedRow is what the contract says a series of snap is stored as,
// written out independently of the writer.
func expectedRow(snap metrics.Snapshot, s metrics.Series) (id int64, r storedRow) {
	tags := map[string]string{}
	for _, t := range snap.DefaultTags {
		tags[t.Key] = t.Value
	}
	for _, t := range s.Tags {
		tags[t.Key] = t.Value
	}
	var sorted []metrics.Tag
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		sorted = append(sorted, metrics.Tag{Key: k, Value: tags[k]})
	}
	r = storedRow{Name: s.Name, Kind: s.Kind.String(), Unit: s.Unit, Tags: tags, TS: snap.Time.Truncate(time.Microsecond)}
	i := func(v int64) *int64 { return &v }
	f := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	rates := func() {
		r.Floats[colRate1], r.Floats[colRate5] = f(s.Rates.Rate1), f(s.Rates.Rate5)
		r.Floats[colRate15], r.Floats[colRateMean] = f(s.Rates.Rate15), f(s.Rates.Mean)
	}
	switch s.Kind {
	case metrics.KindCounter:
		r.Ints[colTotal] = i(s.Count)
	case metrics.KindGauge, metrics.KindGaugeFloat64:
		r.Floats[colValue] = f(s.Value)
	case metrics.KindMeter:
		r.Ints[colTotal] = i(s.Count)
		rates()
	case metrics.KindHistogram, metrics.KindTimer:
		sum := s.Summary
		r.Ints[colTotal], r.Ints[colCount], r.Ints[colSum] = i(s.Count), i(sum.Count), i(sum.Sum)
		if sum.Count > 0 {
			r.Ints[colMin], r.Ints[colMax] = i(sum.Min), i(sum.Max)
			r.Floats[colMean], r.Floats[colStdDev] = f(sum.Mean), f(sum.StdDev)
			if len(sum.Buckets) == 0 { // with buckets, derived from them: see checkQuantiles
				r.Floats[colP50], r.Floats[colP75], r.Floats[colP95] = f(sum.P50), f(sum.P75), f(sum.P95)
				r.Floats[colP99], r.Floats[colP999] = f(sum.P99), f(sum.P999)
			}
			for _, b := range sum.Buckets {
				r.BucketIdx = append(r.BucketIdx, b.Index)
				r.BucketCnt = append(r.BucketCnt, int64(b.Count))
			}
		}
		if s.Kind == metrics.KindTimer {
			rates()
		}
	}
	return SeriesID(s.Name, sorted), r
}

// checkStored compares every column of every series of snap with what
// schema holds, and that nothing else is stored for them at snap.Time.
func checkStored(t *testing.T, pool *pgxpool.Pool, schema string, snap metrics.Snapshot) {
	t.Helper()
	stored := readRows(t, pool, schema)
	for _, s := range snap.Series {
		id, want := expectedRow(snap, s)
		var got []storedRow
		for _, r := range stored[id] {
			if r.TS.Equal(want.TS) {
				got = append(got, r)
			}
		}
		if len(got) != 1 {
			t.Errorf("%s %v: %d rows at %v, want 1", s.Name, s.Tags, len(got), want.TS)
			continue
		}
		got[0].TS = got[0].TS.UTC()
		want.TS = want.TS.UTC()
		if g, w := got[0].String(), want.String(); g != w {
			t.Errorf("%s %v:\n got %s\nwant %s", s.Name, s.Tags, g, w)
		}
	}
}

// checkQuantiles checks that the quantiles of the histograms and timers of
// snap that have buckets, which are not stored, are those that
// vitals_quantile computes from the stored buckets, min and max.
func checkQuantiles(t *testing.T, pool *pgxpool.Pool, schema string, snap metrics.Snapshot) {
	t.Helper()
	n := pgschema.NewNames(schema)
	checked := 0
	for _, s := range snap.Series {
		sum := s.Summary
		if len(sum.Buckets) == 0 || sum.Count == 0 {
			continue
		}
		id, _ := expectedRow(snap, s)
		var got [5]float64
		q := func(level string) string {
			return n.Qualified(pgschema.FuncQuantile) + "(bucket_idx, bucket_cnt, " + level + ", min, max)"
		}
		err := pool.QueryRow(context.Background(), "SELECT "+q("0.5")+", "+q("0.75")+", "+q("0.95")+", "+q("0.99")+", "+q("0.999")+
			" FROM "+n.Points+" WHERE series_id = $1 AND ts = $2", id, snap.Time).Scan(&got[0], &got[1], &got[2], &got[3], &got[4])
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		if want := [5]float64{sum.P50, sum.P75, sum.P95, sum.P99, sum.P999}; got != want {
			t.Errorf("%s %v: quantiles from the stored buckets %v, want the registry's %v", s.Name, s.Tags, got, want)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no histogram or timer with buckets to check")
	}
}

// TestNewConcurrent starts five exporters at once on a fresh schema.
func TestNewConcurrent(t *testing.T) {
	t.Parallel()
	pool, srv := xpPool(t)
	schema := xpSchema(t)
	ctx := xpCtx(t)
	var wg sync.WaitGroup
	exps := make([]*Exporter, 5)
	errs := make([]error, len(exps))
	for i := range exps {
		wg.Go(func() { exps[i], errs[i] = New(ctx, Config{URL: srv.URL, Schema: schema}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("New %d: %v", i, err)
		}
		t.Cleanup(func() { _ = exps[i].Shutdown(context.Background()) })
	}
	var versions int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+pgschema.NewNames(schema).Version).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != len(migrations) {
		t.Fatalf("%d schema version rows, want %d (each migration once)", versions, len(migrations))
	}
	rows, err := pool.Query(ctx, `SELECT c.relname || ':' || c.relkind::text FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`, schema)
	if err != nil {
		t.Fatal(err)
	}
	rels, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, r := range rels {
		have[r] = true
	}
	want := []string{
		"vitals_schema_version:r", "vitals_series:r", "vitals_series_pkey:i", "vitals_series_name_idx:i",
		"vitals_series_tags_idx:i", "vitals_points:p", "vitals_points_pkey:I", "vitals_points_default:r",
		"vitals_releases:r", "vitals_releases_pkey:i",
	}
	today := dayOf(time.Now())
	for d := 0; d <= defaultPartitionsAhead; d++ {
		want = append(want, partitionName(today.AddDate(0, 0, d))+":r")
	}
	for _, w := range want {
		if !have[w] {
			t.Errorf("schema %s lacks %s; it has %v", schema, w, rels)
		}
	}
}

// registryOfEveryKind returns a registry with a series of every kind, an
// attached go-metrics registry, and tags that need quoting everywhere.
func registryOfEveryKind(t *testing.T) *metrics.Registry {
	t.Helper()
	r := metrics.NewRegistry()
	if err := r.SetDefaultTags(metrics.Tags{"host": "db-1", "service": "alerts", "version": "v42"}); err != nil {
		t.Fatal(err)
	}
	odd := metrics.Tags{
		"quote": `say "hi" it's`, "space": "a b  c ", "backslash": `C:\dir\`, "eq": "k=v,x=y",
		"emoji": "🚀 ünïcødé 日本語", "json": `{"a":[1]}`, "braces": "{1,2}",
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	c, err := r.CounterE("jobs.done", odd)
	must(err)
	c.Inc(42)
	r.Counter("jobs.done", metrics.Tags{"host": "own-host"}).Inc(-3) // own tag wins over the default
	r.Counter("zero", nil)
	r.Gauge("queue.depth", metrics.Tags{"q": "main"}).Update(-7)
	r.GaugeFloat64("load", nil).Update(3.25)
	r.FunctionalGauge("goroutines", nil, func() int64 { return 99 })
	r.FunctionalGaugeFloat64("ratio", nil, func() float64 { return 0.125 })
	m := r.Meter("requests", metrics.Tags{"path": "/a b"})
	m.Mark(10)
	h := r.Histogram("sizes", nil)
	for v := int64(1); v <= 1000; v++ {
		h.Update(v * 37)
	}
	h.Update(-5)
	r.Histogram("sizes.empty", nil)
	tm := r.Timer("latency", metrics.Tags{"stage": "plan"})
	for _, d := range []time.Duration{time.Millisecond, 3 * time.Millisecond, 250 * time.Microsecond, time.Second} {
		tm.Update(d)
	}
	r.Timer("latency.empty", nil)

	legacy := gometrics.NewRegistry()
	gometrics.GetOrRegisterCounter("legacy.counter", legacy).Inc(5)
	gometrics.GetOrRegisterGauge("legacy.gauge", legacy).Update(11)
	gometrics.GetOrRegisterGaugeFloat64("legacy.gauge_f", legacy).Update(1.5)
	gometrics.GetOrRegisterMeter("legacy.meter", legacy).Mark(4)
	lh := gometrics.GetOrRegisterHistogram("legacy.hist", legacy, gometrics.NewUniformSample(100))
	for v := int64(1); v <= 10; v++ {
		lh.Update(v)
	}
	gometrics.GetOrRegisterTimer("legacy.timer", legacy).Update(2 * time.Millisecond)
	must(r.AttachGoMetrics(legacy, metrics.Tags{"legacy": "yes"}))
	return r
}

// TestRoundTrip writes a series of every kind and reads every column back
// with plain SQL.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{})
	reg := registryOfEveryKind(t)
	ctx := xpCtx(t)
	reader, err := reg.NewIntervalReader()
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	snap := reader.EndInterval()
	kinds := map[metrics.Kind]int{}
	for _, s := range snap.Series {
		kinds[s.Kind]++
	}
	if len(kinds) != 6 || len(snap.Series) < 18 {
		t.Fatalf("the registry should export every kind: %v in %d series", kinds, len(snap.Series))
	}
	if n := e.Points(snap); n != len(snap.Series) {
		t.Fatalf("Points = %d, want %d", n, len(snap.Series))
	}
	if err := e.Export(ctx, snap); err != nil {
		t.Fatal(err)
	}
	checkStored(t, pool, e.cfg.Schema, snap)
	checkQuantiles(t, pool, e.cfg.Schema, snap)

	// The next interval: the series are cached now, histograms are empty.
	reg.Counter("jobs.done", metrics.Tags{"host": "own-host"}).Inc(1)
	snap2 := reader.EndInterval()
	if snap2.Time.Equal(snap.Time) {
		snap2.Time = snap.Time.Add(time.Second)
	}
	if err := e.Export(ctx, snap2); err != nil {
		t.Fatal(err)
	}
	checkStored(t, pool, e.cfg.Schema, snap2)
	var series int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+e.n.Series).Scan(&series); err != nil {
		t.Fatal(err)
	}
	if series != len(snap.Series) {
		t.Fatalf("%d series stored, want %d", series, len(snap.Series))
	}
}

// TestRoundTripEdgeValues writes hand-made snapshots with values a
// registry does not produce: non-finite floats (stored as NULL), extreme
// integers, control characters in tags, unsorted default tags.
func TestRoundTripEdgeValues(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{})
	ctx := xpCtx(t)
	snap := metrics.Snapshot{
		Time:        time.Date(2025, 3, 4, 5, 6, 7, 891234567, time.FixedZone("X", 3600)),
		DefaultTags: []metrics.Tag{{Key: "z", Value: "last"}, {Key: "a", Value: "first"}},
		Series: []metrics.Series{
			{Name: "nan", Kind: metrics.KindGaugeFloat64, Value: math.NaN()},
			{Name: "inf", Kind: metrics.KindGaugeFloat64, Value: math.Inf(-1)},
			{Name: "tiny", Kind: metrics.KindGaugeFloat64, Value: math.SmallestNonzeroFloat64},
			{Name: "big", Kind: metrics.KindCounter, Count: math.MaxInt64},
			{Name: "neg", Kind: metrics.KindCounter, Count: math.MinInt64},
			{Name: "ctl", Kind: metrics.KindCounter, Count: 1, Tags: []metrics.Tag{{Key: "t", Value: "tab\there\nnl\x01\x1f\u2028"}}},
			{Name: "hist", Kind: metrics.KindHistogram, Count: 9, Summary: metrics.Summary{
				Count: 2, Sum: 3, Min: 1, Max: 2, Mean: 1.5, StdDev: math.NaN(), P50: 1, P75: 2, P95: math.Inf(1), P99: 2, P999: 2,
				Buckets: []metrics.Bucket{{Index: -3, Count: 1}, {Index: 2000, Count: math.MaxUint64}},
			}},
			{Name: "meter", Kind: metrics.KindMeter, Count: 5, Rates: metrics.Rates{Rate1: math.NaN(), Rate5: 1, Rate15: 2, Mean: 3}},
		},
	}
	if err := e.Export(ctx, snap); err != nil {
		t.Fatal(err)
	}
	snap.Series[6].Summary.Buckets[1].Count = math.MaxInt64 // clamped
	checkStored(t, pool, e.cfg.Schema, snap)
}

// TestRejectsUnstorableText: a name PostgreSQL cannot store is rejected
// alone; the other series are written.
func TestRejectsUnstorableText(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{})
	ctx := xpCtx(t)
	good := metrics.Series{Name: "good", Kind: metrics.KindCounter, Count: 1}
	snap := metrics.Snapshot{Time: time.Now(), Series: []metrics.Series{
		{Name: "nul\x00", Kind: metrics.KindCounter, Count: 1},
		{Name: "bad-utf8", Kind: metrics.KindCounter, Count: 1, Tags: []metrics.Tag{{Key: "k", Value: "\xff"}}},
		good,
	}}
	err := e.Export(ctx, snap)
	var rej *exporters.RejectedError
	if !errors.As(err, &rej) || rej.Points != 2 {
		t.Fatalf("Export = %v, want 2 points rejected", err)
	}
	checkStored(t, pool, e.cfg.Schema, metrics.Snapshot{Time: snap.Time, Series: []metrics.Series{good}})
}

// TestRetryIsIdempotent exports the same snapshot twice, the second time
// with its series already cached and then again with a fresh cache.
func TestRetryIsIdempotent(t *testing.T) {
	t.Parallel()
	e, pool := xpNew(t, Config{})
	ctx := xpCtx(t)
	snap := registryOfEveryKind(t).Peek()
	for range 2 {
		if err := e.Export(ctx, snap); err != nil {
			t.Fatal(err)
		}
	}
	e.w = newWriter() // as a restarted process would
	if err := e.Export(ctx, snap); err != nil {
		t.Fatal(err)
	}
	e.failedAt = snap.Time // as after a failed Export: ON CONFLICT straight away
	if err := e.Export(ctx, snap); err != nil {
		t.Fatal(err)
	}
	if !e.failedAt.IsZero() {
		t.Fatalf("failedAt = %v after a successful Export", e.failedAt)
	}
	stored := readRows(t, pool, e.cfg.Schema)
	if len(stored) != len(snap.Series) {
		t.Fatalf("%d series stored, want %d", len(stored), len(snap.Series))
	}
	for id, rows := range stored {
		if len(rows) != 1 {
			t.Errorf("series %d (%s) has %d rows, want 1", id, rows[0].Name, len(rows))
		}
	}
	checkStored(t, pool, e.cfg.Schema, snap)
}

// TestCollision stores another series under the id of one of ours: its
// points are rejected, never written under the other series, and the rest
// of the snapshot is written.
func TestCollision(t *testing.T) {
	t.Parallel()
	var logs testkit.Buffer
	e, pool := xpNew(t, Config{Logger: newTestLogger(&logs)})
	ctx := xpCtx(t)
	snap := metrics.Snapshot{
		Time:        time.Now(),
		DefaultTags: []metrics.Tag{{Key: "host", Value: "h"}},
		Series: []metrics.Series{
			{Name: "victim", Kind: metrics.KindCounter, Count: 7},
			{Name: "bystander", Kind: metrics.KindCounter, Count: 8},
		},
	}
	victim := SeriesID("victim", []metrics.Tag{{Key: "host", Value: "h"}})
	if _, err := pool.Exec(ctx, "INSERT INTO "+e.n.Series+` (id, name, tags, kind) VALUES ($1, 'squatter', '{"host":"h"}', 'counter')`, victim); err != nil {
		t.Fatal(err)
	}
	for attempt := range 2 { // the second time, bystander is cached
		err := e.Export(ctx, snap)
		var rej *exporters.RejectedError
		if !errors.As(err, &rej) || rej.Points != 1 || !errors.Is(err, errCollision) {
			t.Fatalf("attempt %d: Export = %v, want 1 point rejected for a collision", attempt, err)
		}
		snap.Time = snap.Time.Add(time.Second)
	}
	stored := readRows(t, pool, e.cfg.Schema)
	if rows := stored[victim]; len(rows) != 0 {
		t.Fatalf("points written under the squatter's id: %v", rows)
	}
	if rows := stored[SeriesID("bystander", []metrics.Tag{{Key: "host", Value: "h"}})]; len(rows) != 2 {
		t.Fatalf("bystander has %d rows, want 2", len(rows))
	}
	if s := logs.String(); strings.Count(s, "series id collision") != 1 || !strings.Contains(s, "squatter") {
		t.Fatalf("the collision should be logged once, naming the stored series:\n%s", s)
	}

	// Two series of one snapshot with one id: forced here by duplicating one.
	dup := metrics.Snapshot{Time: snap.Time, Series: []metrics.Series{snap.Series[1], snap.Series[1]}}
	err := e.Export(ctx, dup)
	var rej *exporters.RejectedError
	if !errors.As(err, &rej) || rej.Points != 1 {
		t.Fatalf("Export of a duplicated series = %v, want 1 point rejected", err)
	}
}

func TestShutdownTwice(t *testing.T) {
	t.Parallel()
	e, _ := xpNew(t, Config{})
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.Shutdown(context.Background()); !errors.Is(err, exporters.ErrShutdown) {
		t.Fatalf("second Shutdown = %v, want ErrShutdown", err)
	}
	if err := e.Export(context.Background(), metrics.Snapshot{Time: time.Now()}); !errors.Is(err, exporters.ErrShutdown) {
		t.Fatalf("Export after Shutdown = %v, want ErrShutdown", err)
	}
}
