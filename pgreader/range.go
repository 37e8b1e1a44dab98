package pgreader

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vitals-go/vitals/metrics"
)

// DefaultMaxPoints is the RangeQuery.MaxPoints used when it is 0.
const DefaultMaxPoints = 500

// RangeQuery selects the points of one series, or of several merged into one
// line, over a time range, downsampled into steps.
type RangeQuery struct {
	// SeriesID selects one series, by its stored id (SeriesInfo.ID, or
	// postgres.SeriesID of its name and tags). Set either SeriesID or Name.
	SeriesID int64

	// Name selects every series of this name whose tags contain Tags (every
	// series of the name when Tags is empty), merged into one line: for
	// example a service's latency across all its hosts.
	Name string
	Tags metrics.Tags

	// From and To bound the range [From, To). Required; From must be
	// before To. PostgreSQL keeps microseconds.
	From, To time.Time

	// Step is the width of a point: rows are grouped by
	// date_bin(Step, ts, origin), so steps start at origin, origin+Step,
	// and so on. origin is From, except for a Step of whole minutes: then
	// the range is widened to whole minutes (From truncated to the UTC
	// minute, To rounded up to it), and origin is From truncated to the UTC
	// hour when Step is a whole number of hours, to the minute otherwise.
	// So such steps hold whole rollup rows (see "Resolution" in the package
	// documentation). It must be a whole number of microseconds. 0 chooses the smallest of 1s, 2s, 5s, 10s, 15s, 30s,
	// 1m, 2m, 5m, 10m, 15m, 30m, 1h, 2h, 3h, 6h, 12h, 24h, or else a whole
	// number of days, that yields at most MaxPoints steps.
	Step time.Duration

	// MaxPoints bounds the number of points returned. Defaults to
	// DefaultMaxPoints (500; graphs want 250 to 500). With an explicit Step
	// that needs more steps than MaxPoints, Range returns an
	// ErrInvalidQuery error rather than a huge answer.
	MaxPoints int

	// Aggregate says how a gauge's values combine within a step:
	// AggregateAvg (the default), AggregateMin, AggregateMax or
	// AggregateLast. See RangePoint.Value.
	Aggregate Aggregate
}

// RangePoint is one step of a Range. Steps without any row are left out,
// so a graph shows a gap there. Fields that do not apply to the kind of the
// series are 0, and so are Min and Max when Count is 0.
//
// When a query merges several series, each series is first reduced over the
// step on its own (last total, average rate, gauge Aggregate), and those
// are summed across the series, like the counts and sums. Min is the
// smallest Min and Max the largest Max of all intervals of all series.
type RangePoint struct {
	// Time is the start of the step.
	Time time.Time

	// Total is the last cumulative total of the step (counter value;
	// events of a meter, histogram or timer since its process started),
	// summed across the merged series.
	Total int64

	// Count and Sum add the histogram or timer values recorded in the
	// step's intervals.
	Count, Sum int64

	// Min and Max are the smallest and largest value recorded in the step.
	Min, Max int64

	// Mean is Sum/Count. StdDev is the population standard deviation of
	// all the step's values, pooled from each interval's count, mean and
	// standard deviation: sqrt(Σ n(σ² + μ²)/N − Mean²).
	Mean, StdDev float64

	// The quantiles are computed from the merged bucket counts of every
	// interval and series of the step (never by averaging the intervals'
	// stored percentiles, which is wrong for skewed loads), with the
	// bucket scheme's relative error of at most 1%. Intervals that have no
	// buckets (histograms of an attached go-metrics registry) contribute
	// their stored percentile instead, and the result is the largest of
	// those and of the merged buckets' quantile: an upper bound of the
	// exact quantile of the step, not an estimate of it.
	P50, P75, P95, P99, P999 float64

	// Value is a gauge's value over the step, per RangeQuery.Aggregate:
	// the mean, smallest, largest or latest value of each series, summed
	// across the merged series.
	Value float64

	// The meter and timer rates (events per second) averaged over the step,
	// summed across the merged series.
	Rate1, Rate5, Rate15, RateMean float64
}

// Range returns the points of q's series from q.From to q.To, one per step
// that has rows, in time order. A range without rows yields no points and
// no error. It returns an error wrapping ErrNoSeries when no series matches
// and one wrapping ErrInvalidQuery when q is invalid.
//
// The downsampling runs in SQL, grouped by date_bin(step, ts, origin) (see
// RangeQuery.Step): one statement computes the scalar columns, another
// sums the histogram buckets per step and bucket index
// (unnest(bucket_idx, bucket_cnt)); the quantiles are then computed from
// those merged buckets. Steps of whole minutes or hours read the coarsest
// rollups that fit them where those cover the range, the points elsewhere
// (see "Resolution" in the package documentation), with the same answer.
// Both statements, the lookup of the series ids and of what the rollups
// cover read one snapshot (a REPEATABLE READ, READ ONLY transaction).
func (r *Reader) Range(ctx context.Context, q RangeQuery) ([]RangePoint, error) {
	step, agg, err := q.plan()
	if err != nil {
		return nil, err
	}
	tx, err := r.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("pgreader: range: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()

	ids, err := r.seriesIDs(ctx, tx, q)
	if err != nil {
		return nil, err
	}
	levels, today, err := r.levels(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("pgreader: range: read the rollup state: %w", err)
	}
	interval := pgtype.Interval{Microseconds: step.Microseconds(), Valid: true}
	from, to, origin := window(q.From, q.To, step)
	p := split(from, to, step, levels)
	p.today = today
	if !p.rollups() {
		args := []any{ids, interval, from, to, origin}
		scalarSQL, bucketSQL := r.pointsRangeSQL(agg)
		points, quants, err := r.rangeScalars(ctx, tx, scalarSQL, args, q.From.Location())
		if err == nil && len(points) > 0 {
			err = r.rangeQuantiles(ctx, tx, bucketSQL, args, points, quants)
		}
		if err != nil {
			return nil, fmt.Errorf("pgreader: range: %w", err)
		}
		return points, nil
	}
	head := []any{ids, interval, origin}
	scalarSQL, args := r.rollupScalarSQL(p, rollupGaugeAggregates[q.Aggregate])
	points, quants, err := r.rangeScalars(ctx, tx, scalarSQL, append(head, args...), q.From.Location())
	if err == nil && len(points) > 0 {
		bucketSQL, args := r.rollupBucketSQL(p)
		err = r.rollupQuantiles(ctx, tx, bucketSQL, append(head, args...), points, quants)
	}
	if err != nil {
		return nil, fmt.Errorf("pgreader: range: %w", err)
	}
	return points, nil
}

// plan validates q and returns its step and the SQL of its gauge aggregate.
func (q RangeQuery) plan() (time.Duration, string, error) {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidQuery}, args...)...)
	}
	switch {
	case q.SeriesID != 0 && q.Name != "":
		return 0, "", invalid("set SeriesID or Name, not both")
	case q.SeriesID == 0 && q.Name == "":
		return 0, "", invalid("SeriesID or Name is required")
	case q.SeriesID != 0 && len(q.Tags) > 0:
		return 0, "", invalid("Tags filter series by Name; a SeriesID already names one series")
	case q.From.IsZero() || q.To.IsZero():
		return 0, "", invalid("From and To are required")
	case !q.From.Before(q.To):
		return 0, "", invalid("From (%s) is not before To (%s)", q.From.Format(time.RFC3339Nano), q.To.Format(time.RFC3339Nano))
	case q.MaxPoints < 0:
		return 0, "", invalid("MaxPoints is negative (%d)", q.MaxPoints)
	case q.Step < 0:
		return 0, "", invalid("Step is negative (%v)", q.Step)
	case q.Step%time.Microsecond != 0:
		return 0, "", invalid("Step %v is not a whole number of microseconds, PostgreSQL's resolution", q.Step)
	}
	agg, ok := gaugeAggregates[q.Aggregate]
	if !ok {
		return 0, "", invalid("Aggregate %q is not avg, min, max or last", q.Aggregate)
	}
	maxPoints := q.MaxPoints
	if maxPoints == 0 {
		maxPoints = DefaultMaxPoints
	}
	step := q.Step
	if step == 0 {
		return planStep(q.From, q.To, maxPoints), agg, nil
	}
	_, to, origin := window(q.From, q.To, step)
	if n := stepCount(to.Sub(origin), step); n > int64(maxPoints) {
		return 0, "", invalid("Step %v makes %d points over %v, more than MaxPoints (%d)", step, n, q.To.Sub(q.From), maxPoints)
	}
	return step, agg, nil
}

// seriesIDs resolves q's series to their ids, sorted, or returns an error
// wrapping ErrNoSeries.
func (r *Reader) seriesIDs(ctx context.Context, tx pgx.Tx, q RangeQuery) ([]int64, error) {
	var where string
	var args []any
	if q.SeriesID != 0 {
		where, args = " WHERE id = $1", []any{q.SeriesID}
	} else {
		where, args = seriesWhere(q.Name, q.Tags)
	}
	rows, err := tx.Query(ctx, "SELECT id FROM "+r.n.Series+where+" ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("pgreader: range: resolve series: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("pgreader: range: resolve series: %w", err)
	}
	if len(ids) == 0 {
		switch {
		case q.SeriesID != 0:
			return nil, fmt.Errorf("%w: id %d in schema %q", ErrNoSeries, q.SeriesID, r.n.Schema)
		case len(q.Tags) > 0:
			return nil, fmt.Errorf("%w: name %q with tags %v in schema %q", ErrNoSeries, q.Name, q.Tags, r.n.Schema)
		default:
			return nil, fmt.Errorf("%w: name %q in schema %q", ErrNoSeries, q.Name, r.n.Schema)
		}
	}
	return ids, nil
}
