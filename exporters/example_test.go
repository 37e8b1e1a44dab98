package exporters_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/metrics"
)

// stdout is a tiny Exporter that prints the application's series.
type stdout struct{}

func (stdout) Export(ctx context.Context, snap metrics.Snapshot) error {
	for _, s := range snap.Series {
		if !strings.HasPrefix(s.Name, "vitals.") { // leave out the Reporter's own series
			fmt.Println(s.Name, s.Tags, s.Count)
		}
	}
	return nil
}

func (stdout) Shutdown(ctx context.Context) error { return nil }

func Example() {
	reg := metrics.NewRegistry()
	r, err := exporters.Start(reg, exporters.Config{
		Exporters: map[string]exporters.Exporter{"stdout": stdout{}},
		Interval:  time.Hour, // longer than the example: only Shutdown's snapshot is printed
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	reg.Counter("jobs.done", metrics.Tags{"queue": "base"}).Inc(3)

	// Shutdown delivers what was recorded since the last tick.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Shutdown(ctx); err != nil {
		fmt.Println(err)
	}
	for _, h := range r.Health() {
		// 8 points: jobs.done and the 7 self-metrics of the exporter.
		fmt.Println(h.Name, "exported", h.Exported, "points, dropped", h.Dropped)
	}
	// Output:
	// jobs.done [{queue base}] 3
	// stdout exported 8 points, dropped 0
}

func ExampleRejected() {
	// An exporter whose backend refused 2 points of a snapshot says so:
	err := fmt.Errorf("opentsdb: %w", exporters.Rejected(2, errors.New(`tag "host" is empty`)))

	re, ok := errors.AsType[*exporters.RejectedError](err)
	fmt.Println(errors.Is(err, exporters.ErrRejected), ok, re.Points)
	fmt.Println(err)
	// Output:
	// true true 2
	// opentsdb: exporters: 2 points rejected: tag "host" is empty
}
