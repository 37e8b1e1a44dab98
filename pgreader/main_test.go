package pgreader

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/exporters/postgres"
	"github.com/vitals-go/vitals/internal/pgschema"
	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/metrics"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// rdEnv is a fresh schema, whose tables an Exporter created, for one reader
// test, with a pool to insert rows by hand. The schema is dropped at
// cleanup.
type rdEnv struct {
	ctx    context.Context
	url    string
	schema string
	n      pgschema.Names
	pool   *pgxpool.Pool
}

var rdSeq atomic.Int64

func newRDEnv(t *testing.T) *rdEnv {
	t.Helper()
	srv := testenv.Postgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	t.Cleanup(cancel)
	pool, err := pgxpool.New(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "_"))
	schema := fmt.Sprintf("rd_%.30s_%d_%d", name, time.Now().UnixNano()%1e9, rdSeq.Add(1))
	t.Cleanup(func() {
		_, err := pool.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgschema.NewNames(schema).Quoted+" CASCADE")
		if err != nil {
			t.Errorf("drop schema: %v", err)
		}
		pool.Close()
	})
	exp, err := postgres.New(ctx, postgres.Config{URL: srv.URL, Schema: schema, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("postgres.New: %v", err)
	}
	if err := exp.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	return &rdEnv{ctx: ctx, url: srv.URL, schema: schema, n: pgschema.NewNames(schema), pool: pool}
}

// reader opens a Reader on the schema, closed at cleanup.
func (e *rdEnv) reader(t *testing.T) *Reader {
	t.Helper()
	r, err := New(e.ctx, Config{URL: e.url, Schema: e.schema})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(r.Close)
	return r
}

// series inserts a vitals_series row and returns its id, postgres.SeriesID
// of name and the sorted tags.
func (e *rdEnv) series(t *testing.T, name, kind, unit string, tags map[string]string) int64 {
	t.Helper()
	var sorted []metrics.Tag
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		sorted = append(sorted, metrics.Tag{Key: k, Value: tags[k]})
	}
	id := postgres.SeriesID(name, sorted)
	_, err := e.pool.Exec(e.ctx, "INSERT INTO "+e.n.Series+" (id, name, tags, kind, unit) VALUES ($1, $2, $3::jsonb, $4, $5)",
		id, name, tags, kind, unit)
	if err != nil {
		t.Fatalf("insert series %s %v: %v", name, tags, err)
	}
	return id
}

// cols are the columns of a vitals_points row, by name; absent ones are NULL.
type cols map[string]any

// with returns c plus more (more wins).
func (c cols) with(more cols) cols {
	out := maps.Clone(c)
	maps.Copy(out, more)
	return out
}

// point inserts the vitals_points row of series id at ts.
func (e *rdEnv) point(t *testing.T, id int64, ts time.Time, c cols) {
	t.Helper()
	names, args := []string{"series_id", "ts"}, []any{id, ts}
	for _, k := range slices.Sorted(maps.Keys(c)) {
		names = append(names, k)
		args = append(args, c[k])
	}
	ph := make([]string, len(args))
	for i := range ph {
		ph[i] = fmt.Sprintf("$%d", i+1)
	}
	sql := "INSERT INTO " + e.n.Points + " (" + strings.Join(names, ", ") + ") VALUES (" + strings.Join(ph, ", ") + ")"
	if _, err := e.pool.Exec(e.ctx, sql, args...); err != nil {
		t.Fatalf("insert point %d at %v: %v", id, ts, err)
	}
}

// dist returns the Distribution of values, as a histogram records them.
func dist(values ...int64) metrics.Distribution {
	var d metrics.Distribution
	counts := map[int32]uint64{}
	for i, v := range values {
		if i == 0 || v < d.Min {
			d.Min = v
		}
		if i == 0 || v > d.Max {
			d.Max = v
		}
		d.Count++
		d.Sum += v
		counts[metrics.BucketIndex(v)]++
	}
	for _, idx := range slices.Sorted(maps.Keys(counts)) {
		d.Buckets = append(d.Buckets, metrics.Bucket{Index: idx, Count: counts[idx]})
	}
	return d
}

// interval returns the histogram columns of an interval that recorded
// values, as an exporter writes them, except that stddev is the exact
// population standard deviation (so that pooled results can be checked by
// hand): count and sum (0 when empty), and when not empty min, max, mean,
// stddev and buckets. Like the exporter, it leaves the percentiles NULL,
// since the buckets give them.
func interval(values ...int64) cols {
	if len(values) == 0 {
		return cols{"count": int64(0), "sum": int64(0)}
	}
	d := dist(values...)
	mean := float64(d.Sum) / float64(d.Count)
	var ss float64
	for _, v := range values {
		ss += (float64(v) - mean) * (float64(v) - mean)
	}
	var idx []int32
	var cnt []int64
	for _, b := range d.Buckets {
		idx = append(idx, b.Index)
		cnt = append(cnt, int64(b.Count))
	}
	return cols{
		"count": d.Count, "sum": d.Sum, "min": d.Min, "max": d.Max,
		"mean": mean, "stddev": math.Sqrt(ss / float64(d.Count)),
		"bucket_idx": idx, "bucket_cnt": cnt,
	}
}

// rates returns the rate columns.
func rates(r1, r5, r15, mean float64) cols {
	return cols{"rate1": r1, "rate5": r5, "rate15": r15, "rate_mean": mean}
}
