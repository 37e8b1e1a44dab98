package postgres

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/metrics"
)

// benchSnapshot is a flush of n series of a realistic mix: per 8 series,
// 3 counters, 2 gauges, 1 meter, 1 histogram and 1 timer, the last two with
// 12 buckets each.
func benchSnapshot(n int) metrics.Snapshot {
	snap := metrics.Snapshot{
		Time:        time.Now().Truncate(time.Second),
		DefaultTags: []metrics.Tag{{Key: "host", Value: "bench-1"}, {Key: "service", Value: "bench"}, {Key: "version", Value: "v1"}},
		Series:      make([]metrics.Series, n),
	}
	buckets := make([]metrics.Bucket, 12)
	for i := range buckets {
		buckets[i] = metrics.Bucket{Index: int32(300 + 7*i), Count: uint64(1 + i*i)}
	}
	summary := metrics.Summary{Count: 650, Sum: 123456789, Min: 1000, Max: 9000000, Mean: 189933.5, StdDev: 4321.25,
		P50: 150000, P75: 240000, P95: 1e6, P99: 4e6, P999: 8.9e6, Buckets: buckets}
	rates := metrics.Rates{Rate1: 1.5, Rate5: 1.25, Rate15: 1.125, Mean: 1.0625}
	for i := range snap.Series {
		s := &snap.Series[i]
		s.Name = "bench.metric." + strconv.Itoa(i%50)
		s.Tags = []metrics.Tag{{Key: "endpoint", Value: "/api/v1/" + strconv.Itoa(i)}, {Key: "zone", Value: "eu-west-1"}}
		switch i % 8 {
		case 0, 1, 2:
			s.Kind, s.Count = metrics.KindCounter, int64(i)*1000
		case 3, 4:
			s.Kind, s.Value = metrics.KindGauge, float64(i)/3
		case 5:
			s.Kind, s.Count, s.Rates = metrics.KindMeter, int64(i), rates
		case 6:
			s.Kind, s.Count, s.Summary = metrics.KindHistogram, 99999, summary
		case 7:
			s.Kind, s.Count, s.Summary, s.Rates, s.Unit = metrics.KindTimer, 99999, summary, rates, "ns"
		}
	}
	return snap
}

// BenchmarkExport measures rows written per second by Export, one flush
// of n series per iteration, each at a new snapshot time, beside two naive
// writers of the same rows: one multi-row INSERT per 1,000 rows, and, for
// the smaller flush only (it takes seconds per flush), one INSERT per row.
// Each also reports the CPU time per point of this process (the client)
// and of the server, which share the machine's cores.
func BenchmarkExport(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("series=%d/vitals", n), func(b *testing.B) {
			e, pool := xpNew(b, Config{Timeout: time.Minute})
			ctx := context.Background()
			snap := benchSnapshot(n)
			if err := e.Export(ctx, snap); err != nil { // stores the series
				b.Fatal(err)
			}
			cpu := startCPU(b, pool)
			b.ReportAllocs()
			for b.Loop() {
				snap.Time = snap.Time.Add(time.Second)
				if err := e.Export(ctx, snap); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(n * b.N)
		})
		b.Run(fmt.Sprintf("series=%d/naive-multi-row", n), func(b *testing.B) {
			benchNaive(b, n, 1000)
		})
		if n <= 10_000 {
			b.Run(fmt.Sprintf("series=%d/naive-row-by-row", n), func(b *testing.B) {
				benchNaive(b, n, 1)
			})
		}
	}
}

// benchNaive writes the rows of Export as a naive writer would: INSERT
// statements of perStatement rows each, one value per parameter, the
// buckets as the text of array literals, through the parent table with ON
// CONFLICT DO NOTHING.
func benchNaive(b *testing.B, n, perStatement int) {
	e, pool := xpNew(b, Config{Timeout: time.Minute})
	ctx := context.Background()
	snap := benchSnapshot(n)
	if err := e.Export(ctx, snap); err != nil { // stores the series
		b.Fatal(err)
	}
	e.w.prepare(snap)
	wb := &e.w.b
	wb.columns()
	wb.literals()
	cols, _, _ := pointsColumns()
	const perRow = 2 + numInts + numFloats + 2
	statement := func(rows int) string {
		var sql strings.Builder
		sql.WriteString("INSERT INTO " + e.n.Points + " (" + cols + ") VALUES ")
		for r := range rows {
			if r > 0 {
				sql.WriteString(", ")
			}
			sql.WriteString("(")
			for c := range perRow {
				if c > 0 {
					sql.WriteString(", ")
				}
				fmt.Fprintf(&sql, "$%d", r*perRow+c+1)
				switch c {
				case perRow - 2:
					sql.WriteString("::text::integer[]")
				case perRow - 1:
					sql.WriteString("::text::bigint[]")
				}
			}
			sql.WriteString(")")
		}
		sql.WriteString(" ON CONFLICT (series_id, ts) DO NOTHING")
		return sql.String()
	}
	full, last := statement(perStatement), statement(n%perStatement)
	args := make([]any, 0, perStatement*perRow)
	cpu := startCPU(b, pool)
	b.ReportAllocs()
	for b.Loop() {
		snap.Time = snap.Time.Add(time.Second)
		for lo := 0; lo < len(wb.ids); lo += perStatement {
			hi := min(lo+perStatement, len(wb.ids))
			args = args[:0]
			for i := lo; i < hi; i++ {
				args = append(args, &wb.ids[i], snap.Time)
				for c := range wb.ints {
					args = append(args, &wb.ints[c][i])
				}
				for c := range wb.floats {
					args = append(args, &wb.floats[c][i])
				}
				args = append(args, &wb.buckets[0][i], &wb.buckets[1][i])
			}
			sql := full
			if hi-lo < perStatement {
				sql = last
			}
			if _, err := pool.Exec(ctx, sql, args...); err != nil {
				b.Fatal(err)
			}
		}
	}
	cpu.report(n * b.N)
}

// cpuMeter reports the points written per second, and the CPU time per
// point of this process and of the server, over a benchmark's loop.
type cpuMeter struct {
	b              *testing.B
	server         *serverCPU // nil when the server's CPU cannot be read
	client, before time.Duration
}

// startCPU starts measuring; call it just before the benchmark's loop.
func startCPU(b *testing.B, pool *pgxpool.Pool) *cpuMeter {
	m := &cpuMeter{b: b}
	srv, err := newServerCPU(context.Background(), pool)
	if err == nil {
		m.before, err = srv.used()
	}
	if err != nil {
		b.Logf("the server's CPU time is not reported: %v", err)
	} else {
		m.server = srv
	}
	m.client = clientCPU()
	return m
}

// report reports the figures for points written since startCPU.
func (m *cpuMeter) report(points int) {
	elapsed := m.b.Elapsed()
	perPoint := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(points) }
	m.b.ReportMetric(float64(points)/elapsed.Seconds(), "points/s")
	m.b.ReportMetric(perPoint(clientCPU()-m.client), "client-cpu-ns/point")
	if m.server != nil {
		if now, err := m.server.used(); err == nil {
			m.b.ReportMetric(perPoint(now-m.before), "server-cpu-ns/point")
		}
	}
}

// BenchmarkEncode measures the client's share of a flush of 100,000
// series, without a server: building the columns and encoding them as
// COPY data (copy), or as the parameters of pointsSQL, as pgx does (insert).
func BenchmarkEncode(b *testing.B) {
	snap := benchSnapshot(100_000)
	w := newWriter()
	w.prepare(snap)
	for i, id := range w.b.newIDs { // as after the first flush
		w.known[id] = w.b.newCheck[i]
	}
	b.Run("copy", func(b *testing.B) {
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			snap.Time = snap.Time.Add(time.Second)
			w.prepare(snap)
			r := newCopyReader(&w.b, 0, len(w.b.ids), snap.Time, buf)
			if _, err := io.Copy(io.Discard, struct{ io.Reader }{r}); err != nil {
				b.Fatal(err)
			}
			buf = r.close()
		}
		b.ReportMetric(float64(len(snap.Series)*b.N)/b.Elapsed().Seconds(), "points/s")
	})
	b.Run("insert", func(b *testing.B) {
		m := pgtype.NewMap()
		oids := []uint32{pgtype.Int8ArrayOID}
		for range numInts {
			oids = append(oids, pgtype.Int8ArrayOID)
		}
		for range numFloats {
			oids = append(oids, pgtype.Float8ArrayOID)
		}
		oids = append(oids, pgtype.TextArrayOID, pgtype.TextArrayOID)
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			snap.Time = snap.Time.Add(time.Second)
			w.prepare(snap)
			buf = buf[:0]
			for i, a := range w.b.pointArgs() {
				var err error
				if buf, err = m.Encode(oids[i], pgtype.BinaryFormatCode, a, buf); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(len(snap.Series)*b.N)/b.Elapsed().Seconds(), "points/s")
	})
}
