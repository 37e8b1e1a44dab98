package testkit

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/metrics"
)

// StuckExport is an exporter with an Export in progress that does not end
// by itself, for CheckShutdown.
type StuckExport struct {
	// Exporter is the exporter, its Export in progress.
	Exporter exporters.Exporter
	// Done receives what the Export in progress returns.
	Done <-chan error
	// Release lets the Export in progress end as it would have, had it
	// not been stuck: the Write returns, the TSD answers.
	Release func()
	// Abandons is set for an exporter whose Shutdown cannot interrupt the
	// call its Export is stuck in (the console's Write on an io.Writer):
	// Shutdown then abandons the Export, which returns when the call
	// does. Otherwise Shutdown interrupts the Export and returns after it.
	Abandons bool
}

// shutdownWait is how long CheckShutdown's contexts last, and shutdownSlack
// how much longer than that a Shutdown or an interrupted Export may take.
const (
	shutdownWait  = 100 * time.Millisecond
	shutdownSlack = 10 * time.Second
)

// CheckShutdown checks that an exporter keeps the Shutdown contract of
// exporters.Exporter:
//
//   - Shutdown waits for an Export in progress until its context ends,
//     then interrupts it and, once it has returned, closes the exporter
//     and returns an error wrapping the context's error; an exporter that
//     cannot interrupt the call its Export is stuck in abandons the Export
//     instead (see StuckExport.Abandons);
//   - a Shutdown whose Export in progress ends in time returns nil;
//   - an Export called once Shutdown was, and a second Shutdown, return
//     exporters.ErrShutdown;
//   - without an Export in progress, Shutdown succeeds even with a context
//     that has ended.
//
// stuck returns a new exporter with an Export in progress that does not end
// by itself; idle returns a new exporter, and snap is a snapshot to Export.
func CheckShutdown(t *testing.T, stuck func(*testing.T) StuckExport, idle func(*testing.T) exporters.Exporter, snap metrics.Snapshot) {
	t.Run("ContextEnds", func(t *testing.T) {
		s := stuck(t)
		ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
		defer cancel()
		start := time.Now()
		err := s.Exporter.Shutdown(ctx)
		took := time.Since(start)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown with an Export in progress = %v, want an error wrapping its context's", err)
		}
		if took < shutdownWait || took > shutdownWait+shutdownSlack {
			t.Errorf("Shutdown took %v with a context of %v", took, shutdownWait)
		}
		if !s.Abandons {
			// Shutdown returned once the Export let go of the exporter;
			// only the Export's return is left.
			select {
			case err := <-s.Done:
				if err == nil {
					t.Error("the interrupted Export returned nil")
				}
			case <-time.After(shutdownSlack):
				t.Fatalf("the interrupted Export still runs %v after Shutdown returned", shutdownSlack)
			}
		}
		checkClosed(t, s.Exporter, snap)
		s.Release()
		if s.Abandons {
			select {
			case <-s.Done:
			case <-time.After(shutdownSlack):
				t.Fatalf("the abandoned Export still runs %v after its call returned", shutdownSlack)
			}
		}
	})
	t.Run("ExportEnds", func(t *testing.T) {
		s := stuck(t)
		shut := make(chan error, 1)
		go func() { shut <- s.Exporter.Shutdown(context.Background()) }()
		// Shutdown has begun once Export refuses to start. Until then, an
		// Export waits for the one in progress: give it up at once.
		Poll(t, shutdownSlack, "Shutdown to begin", func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
			defer cancel()
			return errors.Is(s.Exporter.Export(ctx, snap), exporters.ErrShutdown)
		})
		select {
		case err := <-shut:
			t.Fatalf("Shutdown returned %v before the Export in progress", err)
		default:
		}
		s.Release()
		if err := <-s.Done; err != nil {
			t.Errorf("the Export in progress = %v", err)
		}
		if err := <-shut; err != nil {
			t.Errorf("Shutdown = %v after the Export in progress ended", err)
		}
		checkClosed(t, s.Exporter, snap)
	})
	t.Run("Idle", func(t *testing.T) {
		e := idle(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := e.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown with no Export in progress and an ended context = %v", err)
		}
		checkClosed(t, e, snap)
	})
}

// checkClosed checks that e, shut down, refuses Export and Shutdown.
func checkClosed(t *testing.T, e exporters.Exporter, snap metrics.Snapshot) {
	t.Helper()
	if err := e.Export(context.Background(), snap); !errors.Is(err, exporters.ErrShutdown) {
		t.Errorf("Export after Shutdown = %v, want exporters.ErrShutdown", err)
	}
	if err := e.Shutdown(context.Background()); !errors.Is(err, exporters.ErrShutdown) {
		t.Errorf("second Shutdown = %v, want exporters.ErrShutdown", err)
	}
}
