// Package compare compares a metric of a service between two releases, or
// two time windows, and says which changes stand out from the noise: the
// statistics behind `vitals compare`. It knows nothing of any database: it
// reads series and their per-interval distributions through a Source, which
// pgreader implements for the tables of the PostgreSQL exporter, and which
// any other backend may implement (see the example).
//
// A complete program, comparing the latency of the last two releases of a
// service from the PostgreSQL tables:
//
//	package main
//
//	import (
//		"context"
//		"fmt"
//		"log"
//		"time"
//
//		"github.com/vitals-go/vitals/compare"
//		"github.com/vitals-go/vitals/pgreader"
//	)
//
//	func main() {
//		ctx := context.Background()
//		r, err := pgreader.New(ctx, pgreader.Config{URL: "postgres://grafana@db.example.com/metrics"})
//		if err != nil {
//			log.Fatal(err)
//		}
//		defer r.Close()
//
//		// No sides: the last two releases of the service.
//		c, err := r.Compare(ctx, compare.Query{Service: "alerts", Metric: "query.latency"})
//		if err != nil {
//			log.Fatal(err) // compare.ErrNoData, compare.ErrInvalidQuery, or the database's
//		}
//		fmt.Printf("%s -> %s\n", c.Query.Before.Release, c.Query.After.Release)
//		for _, line := range c.Series { // one: every host merged
//			for _, f := range []compare.Field{compare.FieldP50, compare.FieldP99} {
//				before, after := line.Before.Value(f), line.After.Value(f)
//				ch := line.Changes[f]
//				fmt.Printf("%s %v -> %v (%+.1f%%, significant: %v)\n", f,
//					time.Duration(before), time.Duration(after), 100*ch.Rel, ch.Significant)
//			}
//		}
//	}
//
// # What is compared
//
// Each side of a Query is a release (every interval of the series tagged
// with that version) or a time window. For each side, the intervals of
// every matching series are merged, across hosts (and, with
// Query.PerSeries false, across tag sets): counts and sums add, and the
// quantiles come from the summed bucket counts of metrics' log-linear
// buckets (metrics.Merger), never from averaging stored percentiles. A
// release covers the time its processes ran, host by host (Source.Runs),
// and its rates are over that time.
//
// # Which changes are flagged
//
// Like the Mann-Whitney classifier of automated canary analysis (Netflix's
// Kayenta), each field is computed per interval on both sides, and a
// change is Significant when a Mann-Whitney U test says it is unlikely to
// be noise (p-value at most Judge.Alpha, 0.01 by default) AND its effect
// (the Hodges-Lehmann shift of the per-interval values, relative to their
// median before) is at least Judge.MinEffect (10%) in size. Its Verdict is
// then Worse or Better by the field's Direction: higher latency is worse,
// lower throughput is worse. Change says the p-value and the effect; see
// Compare for the details.
package compare
