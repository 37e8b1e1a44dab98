package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vitals-go/vitals/metrics"
)

// ErrInvalidQuery is returned, wrapped with the reason, by Range for a
// RangeQuery it cannot run: a missing or contradictory series selection,
// From not before To, an unknown Aggregate, a bad Step or MaxPoints.
var ErrInvalidQuery = errors.New("postgres: invalid query")

// The values of RangeQuery.Aggregate.
const (
	AggregateAvg  = "avg"  // the mean of the values (the default)
	AggregateMin  = "min"  // the smallest value
	AggregateMax  = "max"  // the largest value
	AggregateLast = "last" // the latest value
)

// DefaultMaxPoints is the RangeQuery.MaxPoints used when it is 0.
const DefaultMaxPoints = 500

// RangeQuery selects the points of one series, or of several merged into one
// line, over a time range, downsampled into steps.
type RangeQuery struct {
	// SeriesID selects one series (see SeriesID and Reader.Series). Set
	// either SeriesID or Name.
	SeriesID int64

	// Name selects every series of this name whose tags contain Tags (every
	// series of the name when Tags is empty), merged into one line: for
	// example a service's latency across all its hosts.
	Name string
	Tags map[string]string

	// From and To bound the range [From, To). Required; From must be
	// before To. PostgreSQL keeps microseconds.
	From, To time.Time

	// Step is the width of a point: rows are grouped by
	// date_bin(Step, ts, From), so steps start at From, From+Step, ...
	// It must be a whole number of microseconds. 0 chooses the smallest of
	// 1s, 2s, 5s, 10s, 15s, 30s, 1m, 2m, 5m, 10m, 15m, 30m, 1h, 2h, 3h, 6h,
	// 12h, 24h, or else a whole number of days, that yields at most
	// MaxPoints steps.
	Step time.Duration

	// MaxPoints bounds the number of points returned. Defaults to
	// DefaultMaxPoints (500; graphs want 250 to 500). With an explicit Step
	// that needs more steps than MaxPoints, Range returns an
	// ErrInvalidQuery error rather than a huge answer.
	MaxPoints int

	// Aggregate says how a gauge's values combine within a step: "avg"
	// (the default), "min", "max" or "last". See RangePoint.Value.
	Aggregate string
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
// The downsampling runs in SQL, grouped by date_bin(step, ts, From): one
// statement computes the scalar columns, another sums the histogram
// buckets per step and bucket index (unnest(bucket_idx, bucket_cnt)); the
// quantiles are then computed from those merged buckets. Both statements,
// and the lookup of the series ids, read one snapshot (a REPEATABLE READ,
// READ ONLY transaction).
func (r *Reader) Range(ctx context.Context, q RangeQuery) ([]RangePoint, error) {
	step, agg, err := q.plan()
	if err != nil {
		return nil, err
	}
	tx, err := r.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("postgres: range: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()

	ids, err := r.seriesIDs(ctx, tx, q)
	if err != nil {
		return nil, err
	}
	args := []any{ids, pgtype.Interval{Microseconds: step.Microseconds(), Valid: true}, q.From, q.To}
	points, quants, err := r.rangeScalars(ctx, tx, agg, args, q.From.Location())
	if err != nil {
		return nil, fmt.Errorf("postgres: range: %w", err)
	}
	if len(points) == 0 {
		return nil, nil
	}
	if err := r.rangeQuantiles(ctx, tx, args, points, quants); err != nil {
		return nil, fmt.Errorf("postgres: range: %w", err)
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
	span := q.To.Sub(q.From)
	step := q.Step
	if step == 0 {
		return chooseStep(span, maxPoints), agg, nil
	}
	if n := stepCount(span, step); n > int64(maxPoints) {
		return 0, "", invalid("Step %v makes %d points over %v, more than MaxPoints (%d)", step, n, span, maxPoints)
	}
	return step, agg, nil
}

// gaugeAggregates maps RangeQuery.Aggregate to the SQL that reduces one
// series' gauge values over a step. Only these fixed strings reach the SQL.
var gaugeAggregates = map[string]string{
	"":            "avg(value)",
	AggregateAvg:  "avg(value)",
	AggregateMin:  "min(value)",
	AggregateMax:  "max(value)",
	AggregateLast: "(array_agg(value ORDER BY ts DESC) FILTER (WHERE value IS NOT NULL))[1]",
}

// niceSteps are the steps chooseStep picks from, before whole days.
var niceSteps = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// chooseStep returns the smallest nice step, or else whole number of days,
// that cuts span into at most maxPoints (>= 1) steps.
func chooseStep(span time.Duration, maxPoints int) time.Duration {
	least := span / time.Duration(maxPoints)
	if least*time.Duration(maxPoints) < span {
		least++ // ceil: least*maxPoints >= span
	}
	for _, s := range niceSteps {
		if s >= least {
			return s
		}
	}
	const day = 24 * time.Hour
	return (least + day - 1) / day * day
}

// stepCount returns how many steps of width step begin in [0, span).
func stepCount(span, step time.Duration) int64 {
	return int64((span-1)/step) + 1
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
		return nil, fmt.Errorf("postgres: range: resolve series: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("postgres: range: resolve series: %w", err)
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

// rangeScalarSQL computes every column but the quantiles, per step. Its
// arguments: $1 the series ids, $2 the step, $3 From, $4 To. The first %s
// is the gauge aggregate, the second the points table.
//
// The inner query reduces each series over each step; it groups by
// series_id, the distribution column, so Citus pushes it down to the
// shards whole. The outer query combines the series with sum, min and max,
// which Citus merges on the coordinator.
//
// Per series: the latest non-NULL total; counts and sums; min of min, max of
// max; Σ count·stddev² and Σ count·mean² for the pooled standard deviation;
// the gauge aggregate; average rates; the largest stored percentiles of the
// intervals without buckets, and the min and max of those with buckets
// (which bound the merged buckets' quantiles).
const rangeScalarSQL = `
SELECT t,
	coalesce(sum(last_total), 0)::bigint,
	coalesce(sum(n), 0)::bigint,
	coalesce(sum(s), 0)::bigint,
	coalesce(min(lo), 0),
	coalesce(max(hi), 0),
	coalesce(sum(sq_dev), 0),
	coalesce(sum(sq_mean), 0),
	coalesce(sum(v), 0),
	coalesce(sum(r1), 0), coalesce(sum(r5), 0), coalesce(sum(r15), 0), coalesce(sum(rm), 0),
	max(q50), max(q75), max(q95), max(q99), max(q999),
	min(b_lo), max(b_hi)
FROM (
	SELECT date_bin($2::interval, ts, $3::timestamptz) AS t, series_id,
		(array_agg(total ORDER BY ts DESC) FILTER (WHERE total IS NOT NULL))[1] AS last_total,
		sum(count) AS n,
		sum(sum) AS s,
		min(min) AS lo,
		max(max) AS hi,
		sum(count * stddev * stddev) AS sq_dev,
		sum(count * mean * mean) AS sq_mean,
		%s AS v,
		avg(rate1) AS r1, avg(rate5) AS r5, avg(rate15) AS r15, avg(rate_mean) AS rm,
		max(p50) FILTER (WHERE coalesce(cardinality(bucket_idx), 0) = 0) AS q50,
		max(p75) FILTER (WHERE coalesce(cardinality(bucket_idx), 0) = 0) AS q75,
		max(p95) FILTER (WHERE coalesce(cardinality(bucket_idx), 0) = 0) AS q95,
		max(p99) FILTER (WHERE coalesce(cardinality(bucket_idx), 0) = 0) AS q99,
		max(p999) FILTER (WHERE coalesce(cardinality(bucket_idx), 0) = 0) AS q999,
		min(min) FILTER (WHERE cardinality(bucket_idx) > 0) AS b_lo,
		max(max) FILTER (WHERE cardinality(bucket_idx) > 0) AS b_hi
	FROM %s
	WHERE series_id = ANY($1) AND ts >= $3::timestamptz AND ts < $4::timestamptz
	GROUP BY t, series_id
) AS per_series
GROUP BY t
ORDER BY t`

// rangeBucketSQL sums the histogram buckets per step and bucket index, with
// the arguments of rangeScalarSQL; %s is the points table. Like it, the
// inner query groups by series_id so that Citus pushes it down whole (the
// unnest is an immutable function of the row, which Citus accepts in a
// pushed-down join).
const rangeBucketSQL = `
SELECT t, idx, sum(cnt)::bigint
FROM (
	SELECT date_bin($2::interval, p.ts, $3::timestamptz) AS t, p.series_id, b.idx, sum(b.cnt) AS cnt
	FROM %s AS p
	CROSS JOIN LATERAL unnest(p.bucket_idx, p.bucket_cnt) AS b(idx, cnt)
	WHERE p.series_id = ANY($1) AND p.ts >= $3::timestamptz AND p.ts < $4::timestamptz
		AND cardinality(p.bucket_idx) > 0
	GROUP BY t, p.series_id, b.idx
) AS per_series
GROUP BY t, idx
ORDER BY t, idx`

// stepQuantiles holds what a step's quantiles are computed from, between
// the two queries.
type stepQuantiles struct {
	stored     [5]pgtype.Float8 // largest stored p50..p999 of intervals without buckets
	bMin, bMax pgtype.Int8      // min and max of intervals with buckets
	buckets    []metrics.Bucket // merged, ascending index
}

// rangeScalars runs rangeScalarSQL and returns its points, with Time in
// loc, and what their quantiles are to be computed from.
func (r *Reader) rangeScalars(ctx context.Context, tx pgx.Tx, agg string, args []any, loc *time.Location) ([]RangePoint, []stepQuantiles, error) {
	rows, err := tx.Query(ctx, fmt.Sprintf(rangeScalarSQL, agg, r.n.Points), args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var points []RangePoint
	var quants []stepQuantiles
	for rows.Next() {
		var p RangePoint
		var sqDev, sqMean float64
		var sq stepQuantiles
		err := rows.Scan(&p.Time, &p.Total, &p.Count, &p.Sum, &p.Min, &p.Max, &sqDev, &sqMean,
			&p.Value, &p.Rate1, &p.Rate5, &p.Rate15, &p.RateMean,
			&sq.stored[0], &sq.stored[1], &sq.stored[2], &sq.stored[3], &sq.stored[4],
			&sq.bMin, &sq.bMax)
		if err != nil {
			return nil, nil, err
		}
		p.Time = p.Time.In(loc)
		p.Mean, p.StdDev = pooled(p.Count, p.Sum, sqDev, sqMean)
		points = append(points, p)
		quants = append(quants, sq)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	return points, quants, nil
}

// pooled returns the mean and the population standard deviation of n
// values summing to sum, from sqDev = Σ nᵢσᵢ² and sqMean = Σ nᵢμᵢ² over the
// intervals that hold them: σ² = sqDev/n + (sqMean/n − μ²). The second term,
// the spread of the interval means, is the one exposed to cancellation; it
// is clamped at 0.
func pooled(n, sum int64, sqDev, sqMean float64) (mean, stddev float64) {
	if n <= 0 {
		return 0, 0
	}
	N := float64(n)
	mean = float64(sum) / N
	between := max(sqMean/N-mean*mean, 0)
	return mean, math.Sqrt(max(sqDev/N, 0) + between)
}

// rangeQuantiles runs rangeBucketSQL and sets the quantiles of points
// (whose steps are those of quants, in the same order).
func (r *Reader) rangeQuantiles(ctx context.Context, tx pgx.Tx, args []any, points []RangePoint, quants []stepQuantiles) error {
	index := make(map[int64]int, len(points)) // step start in µs -> position
	for i, p := range points {
		index[p.Time.UnixMicro()] = i
	}
	rows, err := tx.Query(ctx, fmt.Sprintf(rangeBucketSQL, r.n.Points), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t time.Time
		var idx int32
		var cnt int64
		if err := rows.Scan(&t, &idx, &cnt); err != nil {
			return err
		}
		i, ok := index[t.UnixMicro()]
		if !ok || cnt <= 0 {
			continue // not possible in one snapshot; never worth failing for
		}
		quants[i].buckets = append(quants[i].buckets, metrics.Bucket{Index: idx, Count: uint64(cnt)})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range points {
		setQuantiles(&points[i], quants[i])
	}
	return nil
}

// quantileLevels are the levels of RangePoint's P50, P75, P95, P99, P999.
var quantileLevels = [5]float64{0.5, 0.75, 0.95, 0.99, 0.999}

// setQuantiles sets p's quantiles from the step's merged buckets and the
// stored percentiles of its intervals without buckets: the larger of both
// when a step has both kinds of interval.
func setQuantiles(p *RangePoint, sq stepQuantiles) {
	dst := [5]*float64{&p.P50, &p.P75, &p.P95, &p.P99, &p.P999}
	var d metrics.Distribution
	if len(sq.buckets) > 0 {
		d.Buckets = sq.buckets
		for _, b := range sq.buckets {
			d.Count += int64(b.Count)
		}
		// Quantile clamps into [Min, Max]: without them (never so for rows an
		// exporter wrote) leave the bucket representatives unclamped.
		d.Min, d.Max = math.MinInt64, math.MaxInt64
		if sq.bMin.Valid && sq.bMax.Valid {
			d.Min, d.Max = sq.bMin.Int64, sq.bMax.Int64
		}
	}
	for k, q := range quantileLevels {
		v, has := 0.0, false
		if len(d.Buckets) > 0 {
			v, has = d.Quantile(q), true
		}
		if s := sq.stored[k]; s.Valid && (!has || s.Float64 > v) {
			v = s.Float64
		}
		*dst[k] = v
	}
}
