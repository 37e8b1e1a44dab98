package e2e_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/opentsdb"
	"github.com/vitals-go/vitals/exporters/postgres"
	"github.com/vitals-go/vitals/internal/testenv"
)

// exportTimeout bounds each Export call and each request to a backend in
// these tests: a hot path that waited for the exporters would stall at
// least this long while a backend hangs.
const exportTimeout = 2 * time.Second

// A backend is a real server the pipelines export to, through a namespace of
// their own (a metric prefix, a schema).
type backend interface {
	exporter(t *testing.T, ns string, log *slog.Logger) exporters.Exporter
	// read returns how many points of namespace ns the server holds per
	// snapshot time (Unix ms), and the last stored value of the counter
	// jobs.
	read(ctx context.Context, ns string) (points map[int64]int, lastJobs float64, err error)
}

// vmBackend is VictoriaMetrics through OpenTSDB's HTTP API.
type vmBackend struct {
	vm  *testenv.VMServer
	url string // where the exporters send: the OpenTSDB HTTP listener, or a proxy in front of it
}

func (b vmBackend) exporter(t *testing.T, ns string, log *slog.Logger) exporters.Exporter {
	t.Helper()
	exp, err := opentsdb.New(opentsdb.Config{
		URL:     b.url,
		Prefix:  ns,
		Timeout: exportTimeout,
		// Requests sized for VictoriaMetrics rather than a stock TSD, so
		// that 10,000 series are a handful of requests.
		BatchSize:       5000,
		MaxRequestBytes: 4 << 20,
		Logger:          log,
	})
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

func (b vmBackend) read(ctx context.Context, ns string) (map[int64]int, float64, error) {
	if err := b.vm.ForceFlush(ctx); err != nil {
		return nil, 0, err
	}
	// The timestamp of every sample, one a line: much cheaper to read than
	// the JSON of /api/v1/export for 10,000 series.
	q := url.Values{
		"match[]": {fmt.Sprintf(`{__name__=~%q}`, regexp.QuoteMeta(ns)+`\..*`)},
		"format":  {"__timestamp__:unix_ms"},
		"start":   {"0"},
		"end":     {strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.vm.HTTPURL+"/api/v1/export/csv?"+q.Encode(), nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("export/csv: %s", resp.Status)
	}
	points := map[int64]int{}
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		ts, err := strconv.ParseInt(lines.Text(), 10, 64)
		if err != nil {
			return nil, 0, fmt.Errorf("export/csv: %v", err)
		}
		points[ts]++
	}
	if err := lines.Err(); err != nil {
		return nil, 0, err
	}

	jobs, err := b.vm.Export(ctx, ns+".jobs.count")
	if err != nil {
		return nil, 0, err
	}
	if len(jobs) != 1 || len(jobs[0].Values) == 0 {
		return nil, 0, fmt.Errorf("%d series %s.jobs.count", len(jobs), ns)
	}
	if tags := jobs[0].Tags; tags["host"] != "e2e" || tags["queue"] != "base" {
		return nil, 0, fmt.Errorf("jobs series tags: %v", tags)
	}
	return points, jobs[0].Values[len(jobs[0].Values)-1], nil
}

// pgBackend is PostgreSQL.
type pgBackend struct{ pg *testenv.PostgresServer }

func (b pgBackend) exporter(t *testing.T, ns string, log *slog.Logger) exporters.Exporter {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	exp, err := postgres.New(ctx, postgres.Config{URL: b.pg.URL, Schema: ns, Timeout: exportTimeout, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

func (b pgBackend) read(ctx context.Context, ns string) (map[int64]int, float64, error) {
	conn, err := pgx.Connect(ctx, b.pg.URL)
	if err != nil {
		return nil, 0, err
	}
	defer conn.Close(ctx)
	pointsTable := pgx.Identifier{ns, "vitals_points"}.Sanitize()
	seriesTable := pgx.Identifier{ns, "vitals_series"}.Sanitize()
	rows, err := conn.Query(ctx, `SELECT floor(extract(epoch FROM ts) * 1000)::bigint, count(*) FROM `+pointsTable+` GROUP BY ts`)
	if err != nil {
		return nil, 0, err
	}
	points := map[int64]int{}
	var ts int64
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&ts, &n}, func() error {
		points[ts] += n
		return nil
	}); err != nil {
		return nil, 0, err
	}
	var lastJobs int64
	err = conn.QueryRow(ctx, `SELECT p.total FROM `+pointsTable+` p JOIN `+seriesTable+` s ON s.id = p.series_id
		WHERE s.name = 'jobs' AND s.tags = '{"host": "e2e", "queue": "base"}' ORDER BY p.ts DESC LIMIT 1`).Scan(&lastJobs)
	if err != nil {
		return nil, 0, err
	}
	return points, float64(lastJobs), nil
}
