package spool

import (
	"bytes"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// sameSnapshot reports how got differs from want, comparing floats by their
// bits (so NaNs compare) and times by instant, requiring got's in UTC.
func sameSnapshot(got, want metrics.Snapshot) error {
	if !got.Time.Equal(want.Time) || got.Time.Location() != time.UTC {
		return fmt.Errorf("Time %v, want %v in UTC", got.Time, want.Time)
	}
	got.Time, want.Time = time.Time{}, time.Time{}
	return sameValue("Snapshot", reflect.ValueOf(got), reflect.ValueOf(want))
}

func sameValue(path string, a, b reflect.Value) error {
	switch a.Kind() {
	case reflect.Float64:
		if math.Float64bits(a.Float()) != math.Float64bits(b.Float()) {
			return fmt.Errorf("%s: %v (%#x), want %v (%#x)", path, a.Float(), math.Float64bits(a.Float()), b.Float(), math.Float64bits(b.Float()))
		}
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return fmt.Errorf("%s: nil %v len %d, want nil %v len %d", path, a.IsNil(), a.Len(), b.IsNil(), b.Len())
		}
		for i := range a.Len() {
			if err := sameValue(fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if err := sameValue(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i)); err != nil {
				return err
			}
		}
	default:
		if !a.Equal(b) {
			return fmt.Errorf("%s: %v, want %v", path, a, b)
		}
	}
	return nil
}

// fullSnapshot returns a snapshot with every field of every type set, and
// the odd values a codec gets wrong: NaNs with payloads, -0, infinities,
// nil and empty slices, a time in a far zone with nanoseconds.
func fullSnapshot() metrics.Snapshot {
	zone := time.FixedZone("far", -11*3600-30*60)
	return metrics.Snapshot{
		Time:        time.Date(2031, 7, 14, 3, 4, 5, 123456789, zone),
		DefaultTags: []metrics.Tag{{Key: "host", Value: "h1"}, {Key: "service", Value: "alerts"}},
		Seq:         math.MaxUint64 - 3,
		Series: []metrics.Series{
			{Name: "requests", Tags: []metrics.Tag{{Key: "code", Value: "200"}}, Kind: metrics.KindCounter, Count: -42},
			{Name: "temp", Kind: metrics.KindGaugeFloat64, Value: math.Float64frombits(0x7ff8_0000_dead_beef)}, // a NaN with a payload
			{Name: "neg0", Tags: []metrics.Tag{}, Kind: metrics.KindGaugeFloat64, Value: math.Copysign(0, -1)},
			{Name: "inf", Kind: metrics.KindGauge, Value: math.Inf(-1)},
			{Name: "rate", Kind: metrics.KindMeter, Count: math.MaxInt64,
				Rates: metrics.Rates{Rate1: 1.5, Rate5: math.Inf(1), Rate15: math.SmallestNonzeroFloat64, Mean: math.MaxFloat64}},
			{Name: "query.latency", Tags: []metrics.Tag{{Key: "code", Value: "200"}, {Key: "stage", Value: "plan"}},
				Kind: metrics.KindTimer, Unit: "ns", Count: 1e9, Rates: metrics.Rates{Rate1: 0.25, Rate5: 0.5, Rate15: 0.75, Mean: 1},
				Summary: metrics.Summary{Count: 7, Sum: math.MinInt64, Min: -5, Max: math.MaxInt64,
					Mean: 3.25, StdDev: 0.1, P50: 1, P75: 2, P95: 3, P99: 4, P999: 5,
					Buckets: []metrics.Bucket{{Index: math.MinInt32, Count: 1}, {Index: -3, Count: math.MaxUint64}, {Index: 0}, {Index: math.MaxInt32, Count: 9}}}},
			{Name: "empty.buckets", Kind: metrics.KindHistogram, Summary: metrics.Summary{Buckets: []metrics.Bucket{}}},
			{Name: "go-metrics", Kind: metrics.KindHistogram, Count: 3, Summary: metrics.Summary{Count: 3, P50: math.NaN()}},
			{Name: "", Kind: 255, Unit: "ünïcode \x00 bytes"},
			{Name: "requests", Tags: []metrics.Tag{{Key: "code", Value: "500"}}, Kind: metrics.KindCounter, Count: 1},
		},
	}
}

// snapshotOf returns a snapshot of n series with a realistic mix of kinds:
// half counters, a fifth gauges, a fifth timers with values, a tenth
// meters, five tags each plus the default tags.
func snapshotOf(n int) metrics.Snapshot {
	reg := metrics.NewRegistry(metrics.WithMaxSeries(n + 10))
	if err := reg.SetDefaultTags(metrics.Tags{"host": "web-17.example.com", "service": "alerts", "version": "v42"}); err != nil {
		panic(err)
	}
	for i := range n {
		tags := metrics.Tags{"endpoint": fmt.Sprintf("/api/v1/thing%d", i%50), "code": fmt.Sprint(200 + i%5), "shard": fmt.Sprint(i / 50)}
		switch i % 10 {
		case 0, 1, 2, 3, 4:
			reg.Counter("http.requests", tags).Inc(int64(i * 7))
		case 5, 6:
			reg.GaugeFloat64("queue.fill", tags).Update(float64(i) / 3)
		case 7, 8:
			t := reg.Timer("http.latency", tags)
			for j := range 20 {
				t.Update(time.Duration(i+j*j) * time.Microsecond)
			}
		case 9:
			reg.Meter("events", tags).Mark(int64(i))
		}
	}
	snap := reg.Peek()
	snap.Seq = 1
	return snap
}

// logBuffer is a logger that keeps its lines, for tests that count them.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

func (l *logBuffer) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := strings.TrimSpace(l.buf.String())
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// testing.TB helpers for the spool.

func mustOpen(t testing.TB, dir string, maxBytes int64, logger *slog.Logger) *Spool {
	t.Helper()
	s, err := Open(dir, maxBytes, logger)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// seqSnap is a small snapshot told apart by its Seq.
func seqSnap(seq uint64) metrics.Snapshot {
	return metrics.Snapshot{
		Time: time.Unix(1_700_000_000+int64(seq), 0).UTC(), Seq: seq,
		Series: []metrics.Series{{Name: "n", Kind: metrics.KindCounter, Count: int64(seq)}},
	}
}

func mustAppend(t testing.TB, s *Spool, rec Record) int {
	t.Helper()
	dropped, err := s.Append(rec)
	if err != nil {
		t.Fatal(err)
	}
	return dropped
}

// drain pops every record and returns them in order.
func drain(t testing.TB, s *Spool) []Record {
	t.Helper()
	var out []Record
	for {
		rec, ok, err := s.Peek()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return out
		}
		out = append(out, rec)
		if err := s.Pop(); err != nil {
			t.Fatal(err)
		}
	}
}

func seqs(recs []Record) []uint64 {
	out := make([]uint64, len(recs))
	for i, r := range recs {
		out[i] = r.Snap.Seq
	}
	return out
}
