package soak_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/opentsdb"
	"github.com/vitals-go/vitals/exporters/postgres"
	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/metrics"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// durationEnv sets how long TestSoak runs, as a Go duration ("10m").
const durationEnv = "VITALS_SOAK_DURATION"

// soakPlan is the shape of one run.
type soakPlan struct {
	duration time.Duration
	series   int
	rate     int           // updates per second
	warmUp   time.Duration // before the baseline of goroutines and heap
	every    time.Duration // between reports
}

// plan reads durationEnv: the full soak when it is set, a small and short
// one otherwise.
func plan(t *testing.T) soakPlan {
	v := os.Getenv(durationEnv)
	if v == "" {
		return soakPlan{duration: 5 * time.Second, series: 1000, rate: 5000, warmUp: 2 * time.Second, every: time.Second}
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 10*time.Second {
		t.Fatalf("%s=%q: want a duration of at least 10s, such as 10m", durationEnv, v)
	}
	if deadline, ok := t.Deadline(); ok && time.Until(deadline) < d+2*time.Minute {
		t.Fatalf("%s=%v does not fit in the test's -timeout: give it at least %v more, e.g. -timeout %v",
			durationEnv, d, 2*time.Minute, (d + 5*time.Minute).Round(time.Minute))
	}
	return soakPlan{
		duration: d,
		series:   10000,
		rate:     50000,
		warmUp:   min(time.Minute, d/5),
		every:    min(time.Minute, (d / 6).Round(time.Second)),
	}
}

// The bounds on growth after the warm-up.
const (
	maxGoroutineGrowth = 3
	maxHeapGrowth      = 8 << 20 // bytes, on top of 10% of the baseline
)

// TestSoak exports a registry of 10,000 series of every kind, updated
// 50,000 times a second, every second to VictoriaMetrics (OpenTSDB over
// HTTP, default settings) and PostgreSQL, for VITALS_SOAK_DURATION. It
// reports the goroutines and the heap (after GC) at the start, every
// minute and at the end, and fails if, after the warm-up, they grow beyond
// a small bound, if the updates fall behind, if any point is dropped or
// rejected, or if the servers do not hold every point exported.
//
// The exporters keep their defaults, as a service would: Timeout is the
// interval, 1 s, which the first flush of 10,000 new series may exceed; it
// is then retried.
func TestSoak(t *testing.T) {
	p := plan(t)
	vm := testenv.VictoriaMetrics(t)
	pg := testenv.Postgres(t)
	ns := fmt.Sprintf("soak_%d", time.Now().UnixNano())
	var logs lineCounter
	logger := slog.New(slog.NewTextHandler(&logs, nil))

	reg := metrics.NewRegistry(metrics.WithMaxSeries(p.series + 100))
	if err := reg.SetDefaultTags(metrics.Tags{"host": "soak", "service": "soak"}); err != nil {
		t.Fatal(err)
	}
	work := newWorkload(reg, p.series)
	tsdb, err := opentsdb.New(opentsdb.Config{URL: vm.OpenTSDBHTTPURL, Prefix: ns, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pgExp, err := postgres.New(ctx, postgres.Config{URL: pg.URL, Schema: ns, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}

	t.Logf("soak: %v, %d series, %d updates/s, 1 s flushes to VictoriaMetrics (OpenTSDB HTTP) and PostgreSQL; warm-up %v",
		p.duration, reg.Len(), p.rate, p.warmUp)
	t.Logf("start: %s", measure(nil))
	rep, err := exporters.Start(reg, exporters.Config{
		Exporters: map[string]exporters.Exporter{"opentsdb": tsdb, "postgres": pgExp},
		Interval:  time.Second,
		Logger:    logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		rep.Shutdown(ctx) //nolint:errcheck // already shut down unless the test failed
	})
	work.start(p.rate, 2)
	t.Cleanup(work.end)
	began := time.Now()

	// Report every p.every; check every report after the warm-up against
	// the baseline taken at its end.
	var base *sample
	report := func(label string) sample {
		s := measure(rep)
		s.updates = work.updates.Load()
		s.elapsed = time.Since(began)
		t.Logf("%s: %s", label, s)
		for _, h := range s.health {
			if h.Dropped != 0 || h.Rejected != 0 {
				t.Fatalf("%s dropped %d and rejected %d points; last error: %s", h.Name, h.Dropped, h.Rejected, h.LastError)
			}
		}
		if base == nil {
			return s
		}
		if s.goroutines > base.goroutines+maxGoroutineGrowth {
			t.Fatalf("goroutines grew from %d after the warm-up to %d", base.goroutines, s.goroutines)
		}
		if limit := base.heap + base.heap/10 + maxHeapGrowth; s.heap > limit {
			t.Fatalf("the heap grew from %.1f MiB after the warm-up to %.1f MiB (bound %.1f MiB)", mib(base.heap), mib(s.heap), mib(limit))
		}
		return s
	}
	next := began.Add(p.every)
	for warm := began.Add(p.warmUp); ; {
		now := time.Now()
		if base == nil && !now.Before(warm) {
			s := report("warm-up done")
			base, next = &s, time.Now().Add(p.every)
			continue
		}
		if !now.Before(began.Add(p.duration)) {
			break
		}
		if !now.Before(next) {
			report(time.Since(began).Round(time.Second).String())
			next = next.Add(p.every)
		}
		time.Sleep(100 * time.Millisecond)
	}
	report("end")
	work.end()
	elapsed := time.Since(began)
	if achieved := float64(work.updates.Load()) / elapsed.Seconds(); achieved < 0.9*float64(p.rate) {
		t.Fatalf("the application made %.0f updates/s, not %d: the hot path fell behind", achieved, p.rate)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := rep.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	health := map[string]exporters.ExporterHealth{}
	for _, h := range rep.Health() {
		health[h.Name] = h
		if h.Dropped != 0 || h.Rejected != 0 {
			t.Fatalf("%s dropped %d and rejected %d points; last error: %s", h.Name, h.Dropped, h.Rejected, h.LastError)
		}
	}
	t.Logf("after Shutdown: %s; %d log lines", measure(nil), logs.n.Load())

	// Every point exported is on the servers. An HTTP request that timed out
	// after VictoriaMetrics stored its points is sent again, and then stored
	// twice (see the opentsdb package documentation): more points than
	// exported are only possible after retries.
	tsdbHealth := health["opentsdb"]
	var stored float64
	deadline := time.Now().Add(time.Minute)
	for {
		stored, err = vmSamples(ctx, vm, ns, elapsed+5*time.Minute)
		if err == nil && stored >= float64(tsdbHealth.Exported) || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil || stored < float64(tsdbHealth.Exported) || (stored > float64(tsdbHealth.Exported) && tsdbHealth.Retries == 0) {
		t.Fatalf("VictoriaMetrics holds %v points (%v), the exporter counted %d exported", stored, err, tsdbHealth.Exported)
	}
	if twice := int64(stored) - tsdbHealth.Exported; twice > 0 {
		t.Logf("VictoriaMetrics holds %d points twice: sent again after %d retries of requests that timed out", twice, tsdbHealth.Retries)
	}
	var rows int64
	if err := pgCount(ctx, pg, ns, &rows); err != nil || rows != health["postgres"].Exported { // idempotent writes
		t.Fatalf("PostgreSQL holds %d rows (%v), the exporter counted %d exported", rows, err, health["postgres"].Exported)
	}
	t.Logf("stored: %.0f points in VictoriaMetrics, %d rows in PostgreSQL: all that was exported", stored, rows)
}

// sample is the state of the process at one moment.
type sample struct {
	elapsed    time.Duration
	goroutines int
	heap       int64 // bytes of live objects after GC
	updates    int64
	health     []exporters.ExporterHealth
}

// measure samples the process, and rep's exporters if rep is not nil. It
// waits (2 s at most) for their queues to be empty, so that no snapshot in
// flight weighs on the heap, and counts the fewest goroutines seen
// meanwhile, so that those of an export in progress are left out.
func measure(rep *exporters.Reporter) sample {
	s := sample{goroutines: runtime.NumGoroutine()}
	for deadline := time.Now().Add(2 * time.Second); rep != nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		s.goroutines = min(s.goroutines, runtime.NumGoroutine())
		idle := true
		for _, h := range rep.Health() {
			idle = idle && h.Queued == 0
		}
		if idle {
			break
		}
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	s.heap = int64(m.HeapAlloc)
	if rep != nil {
		s.health = rep.Health()
	}
	return s
}

func (s sample) String() string {
	out := fmt.Sprintf("goroutines %d, heap %.1f MiB", s.goroutines, mib(s.heap))
	if s.elapsed > 0 {
		out += fmt.Sprintf(", %d updates (%.0f/s)", s.updates, float64(s.updates)/s.elapsed.Seconds())
	}
	for _, h := range s.health {
		out += fmt.Sprintf("; %s: exported %d, dropped %d, rejected %d, queued %d, retries %d", h.Name, h.Exported, h.Dropped, h.Rejected, h.Queued, h.Retries)
	}
	return out
}

// vmSamples returns how many samples of the series under prefix ns
// VictoriaMetrics holds from the last window.
func vmSamples(ctx context.Context, vm *testenv.VMServer, ns string, window time.Duration) (float64, error) {
	if err := vm.ForceFlush(ctx); err != nil {
		return 0, err
	}
	q := url.Values{"query": {fmt.Sprintf(`sum(count_over_time({__name__=~%q}[%ds]))`,
		regexp.QuoteMeta(ns)+`\..*`, int(window.Seconds()))}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, vm.HTTPURL+"/api/v1/query?"+q.Encode(), nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var answer struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return 0, err
	}
	if answer.Status != "success" {
		return 0, fmt.Errorf("query: %s %s", resp.Status, answer.Error)
	}
	if len(answer.Data.Result) != 1 {
		return 0, fmt.Errorf("query: %d results", len(answer.Data.Result))
	}
	v, _ := answer.Data.Result[0].Value[1].(string)
	return strconv.ParseFloat(v, 64)
}

// pgCount counts the rows of schema ns.
func pgCount(ctx context.Context, pg *testenv.PostgresServer, ns string, rows *int64) error {
	conn, err := pgx.Connect(ctx, pg.URL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{ns, "vitals_points"}.Sanitize()).Scan(rows)
}

// lineCounter counts the lines logged, and shows them on stderr.
type lineCounter struct{ n atomic.Int64 }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n.Add(1)
	return os.Stderr.Write(p)
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
