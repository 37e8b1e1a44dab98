package exporters_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/metrics"
)

// seqExporter fails its first failures Export calls transiently and records
// the snapshot of every call.
type seqExporter struct {
	mu       sync.Mutex
	failures int
	calls    []metrics.Snapshot
}

func (e *seqExporter) Export(_ context.Context, snap metrics.Snapshot) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = append(e.calls, snap)
	if len(e.calls) <= e.failures {
		return errors.New("backend down")
	}
	return nil
}

func (e *seqExporter) Shutdown(context.Context) error { return nil }

// TestRetryOffersTheSameSeq: a retry offers the same Snapshot again, Seq
// included, so an exporter tells it from a new one; a later Reporter of the
// registry goes on numbering its intervals.
func TestRetryOffersTheSameSeq(t *testing.T) {
	reg := metrics.NewRegistry()
	reg.Counter("jobs", nil).Inc(1)
	for i, want := range []uint64{1, 2} {
		exp := &seqExporter{failures: 2}
		r, err := exporters.Start(reg, exporters.Config{
			Exporters:  map[string]exporters.Exporter{"seq": exp},
			Interval:   time.Hour, // only Shutdown's snapshot
			MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
			Logger: slog.New(slog.DiscardHandler),
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = r.Shutdown(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if len(exp.calls) != 3 {
			t.Fatalf("Reporter %d: %d Export calls, want 3 (two failures and a success)", i, len(exp.calls))
		}
		first := exp.calls[0]
		for k, snap := range exp.calls {
			if snap.Seq != want || !snap.Time.Equal(first.Time) || &snap.Series[0] != &first.Series[0] {
				t.Fatalf("Reporter %d, call %d: Seq %d at %v; want the first call's snapshot again, Seq %d at %v",
					i, k, snap.Seq, snap.Time, want, first.Time)
			}
		}
		if h := r.Health()[0]; h.Retries != int64(2*(i+1)) { // cumulative in the registry
			t.Fatalf("Reporter %d: Retries = %d, want %d", i, h.Retries, 2*(i+1))
		}
	}
}
