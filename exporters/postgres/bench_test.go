package postgres

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

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
// of n series per iteration, each at a new snapshot time, beside a naive
// writer that sends one INSERT per row.
func BenchmarkExport(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("series=%d/vitals", n), func(b *testing.B) {
			e, _ := xpNew(b, Config{Timeout: time.Minute})
			ctx := context.Background()
			snap := benchSnapshot(n)
			if err := e.Export(ctx, snap); err != nil { // stores the series
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				snap.Time = snap.Time.Add(time.Second)
				if err := e.Export(ctx, snap); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "points/s")
		})
		b.Run(fmt.Sprintf("series=%d/naive-row-by-row", n), func(b *testing.B) {
			e, pool := xpNew(b, Config{Timeout: time.Minute})
			ctx := context.Background()
			snap := benchSnapshot(n)
			if err := e.Export(ctx, snap); err != nil { // stores the series
				b.Fatal(err)
			}
			// The same rows as Export, one statement (and round trip) each.
			e.w.prepare(snap)
			wb := &e.w.b
			wb.literals()
			sql := "INSERT INTO " + e.n.Points + " (series_id, ts, total, count, sum, min, max, value, mean, stddev, " +
				"p50, p75, p95, p99, p999, rate1, rate5, rate15, rate_mean, bucket_idx, bucket_cnt) VALUES " +
				"($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20::text::integer[], $21::text::bigint[]) " +
				"ON CONFLICT (series_id, ts) DO NOTHING"
			args := make([]any, 21)
			b.ReportAllocs()
			for b.Loop() {
				snap.Time = snap.Time.Add(time.Second)
				for i, id := range wb.ids {
					args[0], args[1] = &id, snap.Time
					for c := range wb.ints {
						args[2+c] = &wb.ints[c][i]
					}
					for c := range wb.floats {
						args[2+numInts+c] = &wb.floats[c][i]
					}
					args[19], args[20] = &wb.buckets[0][i], &wb.buckets[1][i]
					if _, err := pool.Exec(ctx, sql, args...); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "points/s")
		})
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
		b.ReportAllocs()
		for b.Loop() {
			snap.Time = snap.Time.Add(time.Second)
			w.prepare(snap)
			r := newCopyReader(&w.b, snap.Time, w.copyBuf)
			if _, err := io.Copy(io.Discard, struct{ io.Reader }{r}); err != nil {
				b.Fatal(err)
			}
			w.copyBuf = r.close()
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
