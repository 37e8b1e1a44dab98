package compare

import (
	"context"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// Source is where Compare reads a metric: a store that keeps, for each
// series, what it recorded in each flush interval, as the vitals exporters
// write it. pgreader reads the tables of the PostgreSQL exporter through
// it; another backend feeds Compare by implementing it.
type Source interface {
	// Releases returns the versions of service, oldest first: ordered by
	// when their first process started, then by version. A service without
	// releases is not an error.
	Releases(ctx context.Context, service string) ([]string, error)
	// Runs returns the processes that ran release version of service, as
	// far as the store knows: their hosts, when each started and when it
	// last exported. Compare selects a release's intervals host by host
	// within them, and takes the release's running time from them. A store
	// that keeps no such record returns none, and Compare then takes the
	// window of the release from its data.
	Runs(ctx context.Context, service, version string) ([]Run, error)

	// Series returns the series called name whose tags contain every key
	// and value of tags. No match is not an error.
	Series(ctx context.Context, name string, tags metrics.Tags) ([]Series, error)

	// Intervals returns what the series of q recorded in each flush
	// interval from q.From to q.To, the series merged: one Interval per
	// distinct interval time, in time order.
	Intervals(ctx context.Context, q IntervalQuery) ([]Interval, error)
}

// Run is one process of a release, or the processes of one host merged.
type Run struct {
	// Host is the host tag of the process.
	Host string
	// Start is when the process started, and End when it last exported:
	// the time of its last interval, the final flush of its shutdown when
	// it shut down cleanly. A zero End is unknown (the process never
	// recorded an export): Compare then ends the run at the last interval
	// of its host.
	Start, End time.Time
}

// Series is one series of a Source.
type Series struct {
	// ID identifies the series in its Source, which Compare hands it back
	// in IntervalQuery.Series.
	ID int64
	// Tags are every tag of the series, service, version and host included.
	Tags metrics.Tags
	// Kind is the kind of the series.
	Kind metrics.Kind
	// Unit is the unit of its values: time.Nanosecond for timers, 0 when
	// they are not durations.
	Unit time.Duration
}

// IntervalQuery selects the intervals of a line: some series of one
// metric, of one kind, over a time range.
type IntervalQuery struct {
	// Series are the series to read and merge, as Source.Series returned
	// them. They are all histograms and timers, or all counters and meters.
	Series []Series
	// From and To bound the times of the intervals to [From, To). A zero
	// From or To leaves that end open.
	From, To time.Time
	// CountFirst says that the processes of the series started within the
	// range (it is a release): the first interval of a counter or meter
	// counts its whole total. Otherwise it counts nothing, what the total
	// held before the range being unknown.
	CountFirst bool
}

// Interval is what a line of series recorded in one flush interval, the
// series merged.
type Interval struct {
	// Time is the interval's time: that of the snapshot it was flushed in.
	Time time.Time

	// Dist, for histograms and timers, describes the values the series
	// recorded in the interval, merged as metrics.Distribution.Merge
	// merges them: Count and Sum (0 in an interval without values), Min
	// and Max, and the buckets. A series stored without buckets (an
	// attached go-metrics histogram) adds to Count and Sum only. Min and
	// Max must bound the buckets' values: when they are unknown, Min is
	// math.MinInt64 and Max math.MaxInt64.
	//
	// For counters and meters, Dist.Count is the number of events the
	// series counted in the interval, the other fields zero: for each
	// series, the increase of its cumulative total since its previous
	// interval (a decrease is a restart: the new total counts whole; see
	// IntervalQuery.CountFirst for the first), added up.
	Dist metrics.Distribution
}
