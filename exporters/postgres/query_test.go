package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/internal/pgschema"
	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/metrics"
)

// rdEnv is a fresh schema, migrated with migrate, for one reader test, with
// a pool to insert rows by hand. The schema is dropped at cleanup.
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
	if err := migrate(ctx, pool, schema); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return &rdEnv{ctx: ctx, url: srv.URL, schema: schema, n: pgschema.NewNames(schema), pool: pool}
}

// reader opens a Reader on the schema, closed at cleanup.
func (e *rdEnv) reader(t *testing.T) *Reader {
	t.Helper()
	r, err := NewReader(e.ctx, e.url, e.schema)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	t.Cleanup(r.Close)
	return r
}

// series inserts a vitals_series row and returns its id, SeriesID of name
// and the sorted tags.
func (e *rdEnv) series(t *testing.T, name, kind, unit string, tags map[string]string) int64 {
	t.Helper()
	var sorted []metrics.Tag
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		sorted = append(sorted, metrics.Tag{Key: k, Value: tags[k]})
	}
	id := SeriesID(name, sorted)
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
// stddev, percentiles and buckets.
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
		"p50": d.Quantile(0.5), "p75": d.Quantile(0.75), "p95": d.Quantile(0.95),
		"p99": d.Quantile(0.99), "p999": d.Quantile(0.999),
		"bucket_idx": idx, "bucket_cnt": cnt,
	}
}

// rates returns the rate columns.
func rates(r1, r5, r15, mean float64) cols {
	return cols{"rate1": r1, "rate5": r5, "rate15": r15, "rate_mean": mean}
}

func TestReaderSeries(t *testing.T) {
	t.Parallel()
	e := newRDEnv(t)
	a := e.series(t, "api.latency", "timer", "ns", map[string]string{"host": "a", "service": "api"})
	b := e.series(t, "api.latency", "timer", "ns", map[string]string{"host": "b", "service": "api"})
	c := e.series(t, "api.latency", "timer", "ns", map[string]string{"host": "c", "service": "other"})
	q := e.series(t, "queue.depth", "gauge", "", map[string]string{"host": "a", "service": "api"})
	u := e.series(t, "untagged", "counter", "", map[string]string{})
	r := e.reader(t)

	ids := func(infos []SeriesInfo) []int64 {
		var out []int64
		for _, s := range infos {
			out = append(out, s.ID)
		}
		return out
	}
	sortedIDs := func(ids ...int64) []int64 { return slices.Sorted(slices.Values(ids)) }

	for _, tc := range []struct {
		name   string
		filter map[string]string
		want   []int64
	}{
		{"api.latency", nil, sortedIDs(a, b, c)},
		{"api.latency", map[string]string{"service": "api"}, sortedIDs(a, b)},
		{"api.latency", map[string]string{"service": "api", "host": "b"}, []int64{b}},
		{"api.latency", map[string]string{"service": "other", "host": "a"}, nil}, // every pair must match
		{"", map[string]string{"host": "a"}, sortedIDs(a, q)},
		{"", nil, sortedIDs(a, b, c, q, u)},
		{"no.such.name", nil, nil},
		{"queue.depth", map[string]string{"zone": "x"}, nil},
	} {
		got, err := r.Series(e.ctx, tc.name, tc.filter)
		if err != nil {
			t.Fatalf("Series(%q, %v): %v", tc.name, tc.filter, err)
		}
		if !slices.Equal(ids(got), tc.want) {
			t.Errorf("Series(%q, %v) = ids %v, want %v", tc.name, tc.filter, ids(got), tc.want)
		}
	}

	got, err := r.Series(e.ctx, "api.latency", map[string]string{"host": "c"})
	if err != nil || len(got) != 1 {
		t.Fatalf("Series(host c) = %v, %v", got, err)
	}
	s := got[0]
	if s.ID != c || s.Name != "api.latency" || s.Kind != "timer" || s.Unit != "ns" ||
		!maps.Equal(s.Tags, map[string]string{"host": "c", "service": "other"}) ||
		time.Since(s.FirstSeen) > time.Hour || time.Since(s.FirstSeen) < -time.Hour {
		t.Errorf("Series(host c) = %+v", s)
	}
	got, err = r.Series(e.ctx, "untagged", nil)
	if err != nil || len(got) != 1 || got[0].Tags == nil || len(got[0].Tags) != 0 || got[0].Kind != "counter" {
		t.Errorf("Series(untagged) = %+v, %v; want one counter with empty, non-nil tags", got, err)
	}

	r.Close()
	r.Close() // harmless
	if _, err := r.Series(e.ctx, "api.latency", nil); err == nil {
		t.Error("Series after Close: no error")
	}
}

func TestReaderNewErrors(t *testing.T) {
	t.Parallel()
	e := newRDEnv(t)
	base, err := url.Parse(e.url)
	if err != nil {
		t.Fatal(err)
	}
	withURL := func(f func(u *url.URL)) string {
		u := *base
		q := u.Query()
		q.Set("connect_timeout", "5")
		u.RawQuery = q.Encode()
		f(&u)
		return u.String()
	}

	if r, err := NewReader(e.ctx, e.url, e.schema); err != nil {
		t.Fatalf("NewReader on a migrated schema: %v", err)
	} else {
		r.Close()
	}

	for _, tc := range []struct {
		name, url, schema string
		want              string // in the error
		code              string // SQLSTATE, if the server refused
	}{
		{name: "empty url", url: "", want: "url is required"},
		{name: "unparsable url", url: "postgres://u:s3cret@host:notaport/db", want: "invalid url"},
		{name: "nothing listening", url: withURL(func(u *url.URL) { u.Host = "127.0.0.1:1" }), want: "cannot connect"},
		{name: "no such database", url: withURL(func(u *url.URL) { u.Path = "/no_such_db" }), want: `database "no_such_db" does not exist`, code: "3D000"},
		{name: "no such role", url: withURL(func(u *url.URL) { u.User = url.User("no_such_role") }), want: `role "no_such_role" does not exist`, code: "28000"},
		{name: "schema without tables", url: e.url, schema: "rd_no_such_schema", want: fmt.Sprintf(`schema "rd_no_such_schema" of database %q has no vitals_series`, strings.TrimPrefix(base.Path, "/"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReader(e.ctx, tc.url, tc.schema)
			if err == nil {
				r.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q shows the password", err)
			}
			var pgErr *pgconn.PgError
			if tc.code != "" && (!errors.As(err, &pgErr) || pgErr.Code != tc.code) {
				t.Errorf("error %q: not a *pgconn.PgError with code %s", err, tc.code)
			}
		})
	}
}
