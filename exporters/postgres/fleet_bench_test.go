package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// The environment of BenchmarkFleet, which runs only when fleetEnv is set.
const (
	fleetEnv            = "VITALS_FLEET"             // the fleet sizes: "1,10,50,100,150"
	fleetCompressionEnv = "VITALS_FLEET_COMPRESSION" // simulated seconds per real second; default 100; 0: back to back
	fleetIntervalsEnv   = "VITALS_FLEET_INTERVALS"   // intervals measured per size; default 30
)

// fleetInterval is the simulated flush interval, the Reporter's default.
const fleetInterval = 10 * time.Second

// BenchmarkFleet simulates fleets of processes writing to one PostgreSQL:
// for each size N of fleetEnv, N processes, each with its own registry of
// 200 series (see fleetProcess), its own Exporter and its own connection
// pool (of one connection), flush at the same instants, as Reporters
// aligned on the wall clock do, every fleetInterval of simulated time:
// their snapshots are dated 10 s apart, from midnight UTC yesterday, and
// flushed every 10 s / compression of real time (or, with compression 0,
// back to back: each process as soon as its previous flush ended, which
// measures what the server takes). After a first interval that stores the
// series, it measures:
//
//   - flush-p50-ms, flush-p99-ms: the latency of each process's flush, from
//     its scheduled instant to the end of its Export. A server that keeps
//     up flushes within the (real) interval, interval-ms; past it, the
//     flushes queue and the latency grows with every interval.
//   - points/s, server-cores (the server's CPU time per second of the
//     run, read from /proc), server-cpu-ns/point and client-cpu-ns/point.
//   - disk-B/point: the size of the day's partition of vitals_points (heap,
//     TOAST and primary key index) per row, index-B/point the index's
//     share, and raw-GB/day what the fleet would write in a day at the
//     real 10 s interval; compacted-B/point, the size of the day's
//     partitions of vitals_points and vitals_blocks per point once
//     Exporter.Compact has moved the day into blocks (a day of a few
//     minutes: a full day's blocks hold 8,640 points per series, and cost
//     less per point).
//
// It takes seconds to a minute per size, mostly starting the exporters.
// Run:
//
//	VITALS_FLEET=1,10,50,100,150 go test -run XXX -bench Fleet -benchtime 1x -timeout 30m ./exporters/postgres/
//
// and, for the bytes per point of a whole day compacted, one process
// writing a day (8,640 intervals) back to back:
//
//	VITALS_FLEET=1 VITALS_FLEET_INTERVALS=8640 VITALS_FLEET_COMPRESSION=0 go test -run XXX -bench Fleet -benchtime 1x ./exporters/postgres/
//
// The test server (internal/testenv) allows 200 connections; for larger
// fleets point VITALS_TEST_POSTGRES_URL at a server that allows more.
func BenchmarkFleet(b *testing.B) {
	sizes := fleetSizes(b)
	compression := fleetEnvInt(b, fleetCompressionEnv, 100, 0)
	intervals := fleetEnvInt(b, fleetIntervalsEnv, 30, 1)
	var results []fleetResult
	for _, n := range sizes {
		b.Run(fmt.Sprintf("processes=%d", n), func(b *testing.B) {
			var r fleetResult
			for b.Loop() {
				r = runFleet(b, n, compression, intervals)
			}
			r.report(b)
			results = append(results, r)
		})
	}
	if compression > 0 {
		b.Logf("compression %dx (a %v interval every %v); %d intervals per size", compression, fleetInterval,
			fleetInterval/time.Duration(compression), intervals)
	} else {
		b.Logf("back to back: each process flushes as soon as its previous flush ends; %d intervals per size", intervals)
	}
	b.Logf("%s", fleetHeader)
	for _, r := range results {
		b.Logf("%s", r.row())
	}
	if compression == 0 {
		return
	}
	for _, r := range results {
		if !r.keptUp() {
			b.Logf("the server stops keeping up at %d processes (p99 flush %.0f ms > interval %.0f ms); "+
				"in real time (10 s) that is about %d processes, as far as CPU goes", r.processes, ms(r.p99), ms(r.interval),
				r.processes*compression)
			return
		}
	}
	b.Logf("the server kept up with every size")
}

// fleetResult is what runFleet measured.
type fleetResult struct {
	processes, intervals int
	interval             time.Duration // real
	p50, p99, max        time.Duration
	points               int // rows written in the measured intervals
	elapsed              time.Duration
	serverCPU            time.Duration // -1 when unknown
	clientCPU            time.Duration
	rows                 int64 // rows of the day's partition, the warm-up's included
	diskBytes, idxSize   int64
	compactedBytes       int64 // the day's partitions of vitals_points and vitals_blocks, compacted
}

const fleetHeader = "| processes | points/s | flush p50 | flush p99 | interval | server cores | server CPU/point | disk B/point | index B/point | raw GB/day | compacted B/point |"

func (r fleetResult) row() string {
	return fmt.Sprintf("| %d | %.0f | %.1f ms | %.1f ms | %.0f ms | %.2f | %.0f ns | %.1f | %.1f | %.1f | %.1f |",
		r.processes, float64(r.points)/r.elapsed.Seconds(), ms(r.p50), ms(r.p99), ms(r.interval),
		r.serverCores(), r.perPoint(r.serverCPU), r.diskPerPoint(), float64(r.idxSize)/float64(r.rows), r.rawGBPerDay(),
		float64(r.compactedBytes)/float64(r.rows))
}

func (r fleetResult) report(b *testing.B) {
	b.ReportMetric(ms(r.p50), "flush-p50-ms")
	b.ReportMetric(ms(r.p99), "flush-p99-ms")
	b.ReportMetric(ms(r.interval), "interval-ms")
	b.ReportMetric(float64(r.points)/r.elapsed.Seconds(), "points/s")
	b.ReportMetric(r.perPoint(r.clientCPU), "client-cpu-ns/point")
	if r.serverCPU >= 0 {
		b.ReportMetric(r.serverCores(), "server-cores")
		b.ReportMetric(r.perPoint(r.serverCPU), "server-cpu-ns/point")
	}
	b.ReportMetric(r.diskPerPoint(), "disk-B/point")
	b.ReportMetric(float64(r.idxSize)/float64(r.rows), "index-B/point")
	b.ReportMetric(r.rawGBPerDay(), "raw-GB/day")
	b.ReportMetric(float64(r.compactedBytes)/float64(r.rows), "compacted-B/point")
}

// keptUp reports whether the flushes ended within their interval.
func (r fleetResult) keptUp() bool { return r.p99 <= r.interval }

func (r fleetResult) serverCores() float64 { return r.serverCPU.Seconds() / r.elapsed.Seconds() }

func (r fleetResult) perPoint(d time.Duration) float64 {
	return float64(d.Nanoseconds()) / float64(r.points)
}

func (r fleetResult) diskPerPoint() float64 { return float64(r.diskBytes) / float64(r.rows) }

// rawGBPerDay is the size of a day of the fleet's points at the real
// interval, before compaction.
func (r fleetResult) rawGBPerDay() float64 {
	perFlush := float64(r.points) / float64(r.processes) / float64(r.intervals)
	perDay := perFlush * float64(r.processes) * float64(24*time.Hour/fleetInterval)
	return perDay * r.diskPerPoint() / 1e9
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// runFleet starts n processes, flushes intervals+1 times (the first to
// store the series, not measured) and measures.
func runFleet(b *testing.B, n, compression, intervals int) fleetResult {
	ctx := context.Background()
	pool, srv := xpPool(b)
	schema := xpSchema(b)
	day := dayOf(time.Now()).AddDate(0, 0, -1) // a day that is over
	url := srv.URL + "&pool_max_conns=1"
	if !strings.Contains(srv.URL, "?") {
		url = srv.URL + "?pool_max_conns=1"
	}
	procs := startFleet(b, ctx, n, Config{URL: url, Schema: schema, Timeout: 5 * time.Minute, CompactAfter: -1,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer func() {
		stopFleet(b, procs)
		if _, err := pool.Exec(ctx, "DROP SCHEMA "+pgschema.NewNames(schema).Quoted+" CASCADE"); err != nil {
			b.Errorf("drop the fleet's schema: %v", err)
		}
	}()
	flushAll(b, ctx, procs, day) // stores the series

	r := fleetResult{processes: n, intervals: intervals, serverCPU: -1}
	if compression > 0 {
		r.interval = fleetInterval / time.Duration(compression)
	}
	cpu, err := newServerCPU(ctx, pool)
	var server0 time.Duration
	if err == nil {
		server0, err = cpu.used()
	}
	if err != nil {
		b.Logf("the server's CPU time is not reported: %v", err)
		cpu = nil
	}
	client0 := clientCPU()
	start := time.Now()
	latencies := make([][]time.Duration, n)
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Go(func() {
			for k := 1; k <= intervals; k++ {
				due := start.Add(time.Duration(k-1) * r.interval)
				if r.interval == 0 { // back to back
					due = time.Now()
				}
				time.Sleep(time.Until(due)) // the schedule: no wait when late
				if err := p.e.Export(ctx, p.snapshot(day.Add(time.Duration(k)*fleetInterval))); err != nil {
					b.Errorf("process %d, interval %d: %v", i, k, err)
					return
				}
				latencies[i] = append(latencies[i], time.Since(due))
				p.work()
			}
		})
	}
	wg.Wait()
	r.elapsed = max(time.Since(start), time.Duration(intervals)*r.interval)
	r.clientCPU = clientCPU() - client0
	if cpu != nil {
		if used, err := cpu.used(); err == nil {
			r.serverCPU = used - server0
		}
	}
	all := slices.Concat(latencies...)
	slices.Sort(all)
	if len(all) == 0 {
		b.Fatal("no flush succeeded")
	}
	r.p50, r.p99, r.max = all[len(all)/2], all[min(len(all)-1, len(all)*99/100)], all[len(all)-1]
	r.points = len(all) * len(procs[0].reg.Peek().Series)

	part := pgschema.NewNames(schema).Quoted + "." + partitionName(day)
	err = pool.QueryRow(ctx, "SELECT (SELECT count(*) FROM "+part+"), pg_total_relation_size($1), pg_indexes_size($1)", part).
		Scan(&r.rows, &r.diskBytes, &r.idxSize)
	if err != nil {
		b.Fatalf("size of %s: %v", part, err)
	}
	if _, err := procs[0].e.Compact(ctx, day); err != nil {
		b.Fatal(err)
	}
	err = pool.QueryRow(ctx, "SELECT pg_total_relation_size($1) + pg_total_relation_size($2)",
		part, blocksPartition(pgschema.NewNames(schema), day)).Scan(&r.compactedBytes)
	if err != nil {
		b.Fatalf("size of %s compacted: %v", part, err)
	}
	return r
}

// startFleet creates n processes, their exporters eight at a time.
func startFleet(b *testing.B, ctx context.Context, n int, cfg Config) []*fleetProcess {
	procs := make([]*fleetProcess, n)
	errs := make([]error, n)
	slots := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i := range procs {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			p, err := newFleetProcess(i)
			if err == nil {
				p.e, err = New(ctx, cfg)
			}
			if err != nil {
				errs[i] = fmt.Errorf("process %d: %w", i, err)
				return
			}
			procs[i] = p
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		stopFleet(b, procs)
		b.Fatal(err)
	}
	return procs
}

// flushAll flushes every process once, at the same time, dated at.
func flushAll(b *testing.B, ctx context.Context, procs []*fleetProcess, at time.Time) {
	errs := make([]error, len(procs))
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Go(func() {
			errs[i] = p.e.Export(ctx, p.snapshot(at))
			p.work()
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		b.Fatal(err)
	}
}

// stopFleet shuts the exporters down.
func stopFleet(b *testing.B, procs []*fleetProcess) {
	var wg sync.WaitGroup
	for _, p := range procs {
		if p == nil || p.e == nil {
			continue
		}
		wg.Go(func() {
			if err := p.e.Shutdown(context.Background()); err != nil {
				b.Errorf("Shutdown: %v", err)
			}
		})
	}
	wg.Wait()
}

// fleetSizes returns the sizes of fleetEnv, or skips the benchmark.
func fleetSizes(b *testing.B) []int {
	v := os.Getenv(fleetEnv)
	if v == "" {
		b.Skipf("set %s to the fleet sizes to run, such as %s=1,10,50,100,150", fleetEnv, fleetEnv)
	}
	var sizes []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: want positive process counts separated by commas", fleetEnv, v)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// fleetEnvInt returns the integer of at least least in the environment
// variable name, or def when it is unset.
func fleetEnvInt(b *testing.B, name string, def, least int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < least {
		b.Fatalf("%s=%q: want an integer of at least %d", name, v, least)
	}
	return n
}
