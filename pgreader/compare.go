package pgreader

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vitals-go/vitals/metrics"
)

// Side is one side of a comparison: a release, or a time window.
type Side struct {
	// Release is the version tag of the side: every point of the series
	// tagged with this version (and the query's service), whenever written.
	// When empty, the side is the window [From, To) instead, of every
	// version.
	Release string
	// From and To bound the window [From, To). Both are required when
	// Release is empty, and From must be before To; they must both be zero
	// when Release is set.
	From, To time.Time
}

func (s Side) isZero() bool { return s.Release == "" && s.From.IsZero() && s.To.IsZero() }

// CompareQuery selects the metric of a service to compare between two sides.
type CompareQuery struct {
	// Service is the service tag. Required.
	Service string
	// Metric is the name of a histogram or timer, e.g. "stage.latency".
	// Counters and meters are accepted too, and then only "count" and
	// "rate" are compared. Required.
	Metric string
	// Tags, optional, filter the series: a series is compared when its tags
	// contain every key and value of Tags (service and, for a release
	// side, version are added to them).
	Tags metrics.Tags
	// Before and After are the sides. When both are zero, they are the last
	// two releases of Service (by first start, see Reader.Releases), and
	// there must be at least two. Otherwise both must be set.
	Before, After Side
	// PerSeries false merges every matching series (across hosts) into
	// one line; true gives one line per distinct tag set, ignoring the
	// host, version and service tags.
	PerSeries bool
}

// Stats summarises one side of a comparison line.
type Stats struct {
	// Intervals is the number of flushes (distinct ts) that have a row,
	// an idle interval of a histogram (count 0) included.
	Intervals int
	// Count is the number of values recorded (histograms and timers), or
	// of events counted (counters and meters; see Compare).
	Count int64
	// Rate is Count per second over the side's span: the last ts minus
	// the first ts plus one flush interval (the median gap between
	// consecutive flushes; 10 s with a single flush).
	Rate float64
	// Mean is the exact mean of the values (Sum/Count).
	Mean float64
	// The quantiles come from the merged buckets of every interval and host
	// of the side (metrics.Distribution.Quantile, within 1%), never from
	// averaging the stored percentiles. Intervals without buckets (the
	// histograms of an attached go-metrics registry) do not contribute.
	P50, P95, P99, P999 float64
	// Max is the largest value recorded.
	Max int64
	// Dist is the merged distribution (Count, Sum, Min, Max, Buckets), for
	// CDF charts.
	Dist metrics.Distribution
	// Start and End are the first and last ts of the side's data.
	Start, End time.Time
}

// Change is the change of one field from Before to After.
type Change struct {
	// Abs is after - before; Rel is Abs/before, 0 when before is 0.
	Abs, Rel float64
	// Significant reports whether the change stands out from the noise of
	// the Before side; see Compare.
	Significant bool
}

// SeriesComparison is one line of a comparison.
type SeriesComparison struct {
	// Tags are the distinguishing tags of the line (the series' tags but
	// host, version and service); empty when the series are merged.
	Tags          metrics.Tags
	Before, After Stats
	// Changes has the keys "count", "rate", "mean", "p50", "p95", "p99",
	// "p999" and "max" for histograms and timers, "count" and "rate" for
	// counters and meters.
	Changes map[string]Change
}

// Comparison is the answer of Compare.
type Comparison struct {
	// Query is the query with its sides resolved: the releases picked when
	// they were omitted, and the windows of release sides filled from their
	// data ([Start, End + one flush interval)); the Release names are kept.
	Query CompareQuery
	// Unit is the unit of the metric's values: time.Nanosecond for timers,
	// 0 when they are not durations.
	Unit time.Duration
	// Series are the lines, sorted by their tags (one when merged).
	Series []SeriesComparison
}

// Significance thresholds, see Compare.
const (
	significantSigmas = 3    // |after - before| > 3 s
	significantRel    = 0.05 // |Rel| > 5%
	minNoiseIntervals = 3    // fewer Before intervals: the relative rule alone
)

// defaultFlush is the flush interval assumed for a side with one flush.
const defaultFlush = 10 * time.Second

// Compare compares q.Metric of q.Service between two releases or two time
// windows: for each side, the values of every interval and host merged
// (counts and sums added, quantiles from the bucket counts summed in SQL,
// as Range does), and for each field the change from Before to After.
//
// Significance: for each field, the field is computed per interval on the
// Before side (the hosts' buckets merged within each ts; "rate" is the
// interval's count divided by the flush interval; intervals without values
// give no mean, quantiles or max), and s is the population standard
// deviation of those per-interval values. With at least 3 such values, a
// change is Significant when |after - before| > 3·s AND |Rel| > 5%; with
// fewer, when |Rel| > 5%. When before is 0, Rel is 0 and the change is
// Significant if after is not 0. Note that "count" compares the sides'
// totals against the noise of a single interval's count.
//
// Counters and meters: the count of a side is the sum over its series of the
// increases of the cumulative total between consecutive flushes (a decrease
// is a process restart: the new total counts whole). The first flush of a
// series counts its whole total on a release side (its processes started
// in the release) and nothing on a window side (what came before the window
// is unknown).
//
// Errors: ErrNoSeries (wrapped, naming what) when the metric has no series
// for the service and tags, or a side (a release or a window) has no data;
// ErrInvalidQuery for a missing Service or Metric, a side with both a
// Release and a window, a window with a missing bound or From >= To, one
// side omitted but not the other, omitted sides with fewer than two
// releases, and a metric that is a gauge or has series of several kinds.
//
// Every statement reads vitals_points with series_id = ANY(ids), the ids
// resolved from vitals_series first, in one REPEATABLE READ, READ ONLY
// transaction; nothing joins the two tables, so it runs on Citus with both
// distributed on the series id (see SCALING.md).
func (r *Reader) Compare(ctx context.Context, q CompareQuery) (*Comparison, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	tx, err := r.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("pgreader: compare: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()

	if q.Before.isZero() && q.After.isZero() {
		rels, err := r.releases(ctx, tx, q.Service)
		if err != nil {
			return nil, fmt.Errorf("pgreader: compare: %w", err)
		}
		if len(rels) < 2 {
			return nil, fmt.Errorf("%w: compare: Before and After omitted, but service %q has %d release(s) recorded, fewer than two",
				ErrInvalidQuery, q.Service, len(rels))
		}
		q.Before = Side{Release: rels[len(rels)-2].Version}
		q.After = Side{Release: rels[len(rels)-1].Version}
	}

	// The metric must exist for the service (and tags), whatever the sides.
	all, err := r.compareSeries(ctx, tx, q, "")
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%w: compare: metric %q of service %q%s in schema %q",
			ErrNoSeries, q.Metric, q.Service, tagsText(q.Tags), r.n.Schema)
	}
	kind, unit := all[0].Kind, all[0].Unit
	for _, s := range all {
		if s.Kind != kind {
			return nil, fmt.Errorf("%w: compare: metric %q of service %q has series of kinds %s and %s",
				ErrInvalidQuery, q.Metric, q.Service, kind, s.Kind)
		}
	}
	var histogram bool
	switch kind {
	case metrics.KindHistogram, metrics.KindTimer:
		histogram = true
	case metrics.KindCounter, metrics.KindMeter:
	default:
		return nil, fmt.Errorf("%w: compare: metric %q of service %q is a %s; Compare takes histograms, timers, counters and meters",
			ErrInvalidQuery, q.Metric, q.Service, kind)
	}

	before, err := r.compareSide(ctx, tx, q, q.Before, all, histogram)
	if err != nil {
		return nil, err
	}
	after, err := r.compareSide(ctx, tx, q, q.After, all, histogram)
	if err != nil {
		return nil, err
	}

	c := &Comparison{Query: q, Unit: unit}
	c.Query.Before = resolvedSide(q.Before, before)
	c.Query.After = resolvedSide(q.After, after)
	keys := slices.Sorted(maps.Keys(unionKeys(before.groups, after.groups)))
	for _, k := range keys {
		b, a := before.groups[k], after.groups[k]
		line := SeriesComparison{Tags: metrics.Tags{}}
		if b != nil {
			line.Tags = b.tags
		} else {
			line.Tags = a.tags
		}
		line.Before, line.After = b.stats(before.flush, histogram), a.stats(after.flush, histogram)
		line.Changes = changes(line.Before, line.After, b.noise(before.flush, histogram), histogram)
		c.Series = append(c.Series, line)
	}
	return c, nil
}

// validate checks q's fields, before anything is read.
func (q CompareQuery) validate() error {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("%w: compare: "+format, append([]any{ErrInvalidQuery}, args...)...)
	}
	switch {
	case q.Service == "":
		return invalid("Service is required")
	case q.Metric == "":
		return invalid("Metric is required")
	case q.Before.isZero() != q.After.isZero():
		return invalid("set both Before and After, or neither (for the last two releases)")
	}
	for _, s := range []struct {
		name string
		side Side
	}{{"Before", q.Before}, {"After", q.After}} {
		switch {
		case s.side.isZero():
		case s.side.Release != "" && (!s.side.From.IsZero() || !s.side.To.IsZero()):
			return invalid("%s has both a Release (%q) and a window; set one", s.name, s.side.Release)
		case s.side.Release != "":
		case s.side.From.IsZero() || s.side.To.IsZero():
			return invalid("%s: a window needs both From and To", s.name)
		case !s.side.From.Before(s.side.To):
			return invalid("%s: From (%s) is not before To (%s)", s.name,
				s.side.From.Format(time.RFC3339Nano), s.side.To.Format(time.RFC3339Nano))
		}
	}
	return nil
}

// tagsText formats tags for an error message: "" or " with tags map[...]".
func tagsText(tags metrics.Tags) string {
	if len(tags) == 0 {
		return ""
	}
	return fmt.Sprintf(" with tags %v", tags)
}

// compareSeries returns the series of q's metric, service and tags, and of
// version when it is not "".
func (r *Reader) compareSeries(ctx context.Context, tx pgx.Tx, q CompareQuery, version string) ([]SeriesInfo, error) {
	filter := maps.Clone(q.Tags)
	if filter == nil {
		filter = metrics.Tags{}
	}
	filter["service"] = q.Service
	if version != "" {
		filter["version"] = version
	}
	infos, err := r.series(ctx, tx, q.Metric, filter)
	if err != nil {
		return nil, fmt.Errorf("pgreader: compare: resolve series: %w", err)
	}
	return infos, nil
}

// lineTags are the tags that tell a PerSeries line apart: the series' tags
// but host, version and service.
func lineTags(tags metrics.Tags) metrics.Tags {
	out := maps.Clone(tags)
	delete(out, "host")
	delete(out, "version")
	delete(out, "service")
	if out == nil {
		out = metrics.Tags{}
	}
	return out
}

// lineKey is a stable text key of line tags, for grouping and sorting.
func lineKey(tags metrics.Tags) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		fmt.Fprintf(&b, "%q=%q,", k, tags[k])
	}
	return b.String()
}

func unionKeys[V any](a, b map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// flush is what one flush (ts) of one line of one side holds, its hosts
// merged.
type flush struct {
	ts       time.Time
	count    int64
	sum      int64
	min, max pgtype.Int8
	buckets  []metrics.Bucket // merged in SQL, ascending index
}

// group is one line of one side: its flushes in time order.
type group struct {
	tags    metrics.Tags
	flushes []flush
}

// sideData is one side: its lines by key, and its flush interval estimate.
type sideData struct {
	groups map[string]*group
	start  time.Time
	end    time.Time
	flush  time.Duration
}

// compareSide reads one side: for each line, its flushes with their scalars
// and their merged buckets. It returns an error wrapping ErrNoSeries when
// the side has no data at all.
func (r *Reader) compareSide(ctx context.Context, tx pgx.Tx, q CompareQuery, s Side, all []SeriesInfo, histogram bool) (*sideData, error) {
	series := all
	from := pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true}
	to := pgtype.Timestamptz{InfinityModifier: pgtype.Infinity, Valid: true}
	if s.Release != "" {
		series = nil
		for _, si := range all {
			if si.Tags["version"] == s.Release {
				series = append(series, si)
			}
		}
	} else {
		from = pgtype.Timestamptz{Time: s.From, Valid: true}
		to = pgtype.Timestamptz{Time: s.To, Valid: true}
	}
	noData := func() error {
		if s.Release != "" {
			return fmt.Errorf("%w: compare: release %q of service %q has no data for metric %q%s in schema %q",
				ErrNoSeries, s.Release, q.Service, q.Metric, tagsText(q.Tags), r.n.Schema)
		}
		return fmt.Errorf("%w: compare: no data for metric %q of service %q%s in the window [%s, %s) in schema %q",
			ErrNoSeries, q.Metric, q.Service, tagsText(q.Tags),
			s.From.Format(time.RFC3339Nano), s.To.Format(time.RFC3339Nano), r.n.Schema)
	}
	if len(series) == 0 {
		return nil, noData()
	}

	// The lines: one, or one per distinct tag set.
	ids := map[string][]int64{}
	tags := map[string]metrics.Tags{}
	for _, si := range series {
		k := ""
		lt := metrics.Tags{}
		if q.PerSeries {
			lt = lineTags(si.Tags)
			k = lineKey(lt)
		}
		ids[k] = append(ids[k], si.ID)
		tags[k] = lt
	}

	d := &sideData{groups: map[string]*group{}}
	var stamps []time.Time
	for k, gids := range ids {
		var fl []flush
		var err error
		if histogram {
			fl, err = r.histogramFlushes(ctx, tx, gids, from, to)
		} else {
			fl, err = r.counterFlushes(ctx, tx, gids, from, to, s.Release != "")
		}
		if err != nil {
			return nil, fmt.Errorf("pgreader: compare: %w", err)
		}
		if len(fl) == 0 {
			continue
		}
		d.groups[k] = &group{tags: tags[k], flushes: fl}
		for _, f := range fl {
			stamps = append(stamps, f.ts)
		}
	}
	if len(d.groups) == 0 {
		return nil, noData()
	}
	slices.SortFunc(stamps, func(a, b time.Time) int { return a.Compare(b) })
	stamps = slices.CompactFunc(stamps, func(a, b time.Time) bool { return a.Equal(b) })
	d.start, d.end = stamps[0], stamps[len(stamps)-1]
	d.flush = flushInterval(stamps)
	return d, nil
}

// flushInterval estimates the flush interval from the sorted, distinct
// stamps of a side: the median gap, or defaultFlush with one stamp.
func flushInterval(stamps []time.Time) time.Duration {
	if len(stamps) < 2 {
		return defaultFlush
	}
	gaps := make([]time.Duration, len(stamps)-1)
	for i := range gaps {
		gaps[i] = stamps[i+1].Sub(stamps[i])
	}
	slices.Sort(gaps)
	return gaps[len(gaps)/2]
}

// compareScalarSQL reads the scalars of each flush of a line: $1 the series
// ids, $2 and $3 the bounds [From, To) (infinite for a release). Count and
// sum add, min and max combine: aggregates Citus merges on the coordinator
// from the shards' partial results.
const compareScalarSQL = `
SELECT ts, coalesce(sum(count), 0)::bigint, coalesce(sum(sum), 0)::bigint, min(min), max(max)
FROM %s
WHERE series_id = ANY($1) AND ts >= $2 AND ts < $3
GROUP BY ts
ORDER BY ts`

// compareBucketSQL sums the buckets of each flush of a line per bucket
// index, with the arguments of compareScalarSQL; as in rangeBucketSQL, the
// inner query groups by series_id so that Citus pushes it down whole.
const compareBucketSQL = `
SELECT ts, idx, sum(cnt)::bigint
FROM (
	SELECT p.ts, p.series_id, b.idx, sum(b.cnt) AS cnt
	FROM %s AS p
	CROSS JOIN LATERAL unnest(p.bucket_idx, p.bucket_cnt) AS b(idx, cnt)
	WHERE p.series_id = ANY($1) AND p.ts >= $2 AND p.ts < $3
		AND cardinality(p.bucket_idx) > 0
	GROUP BY p.ts, p.series_id, b.idx
) AS per_series
GROUP BY ts, idx
ORDER BY ts, idx`

// compareCounterSQL reads the events counted in each flush of a line of
// counters or meters: per series, the increase of total since its previous
// flush (a decrease is a restart: the new total counts whole); the first
// flush of a series counts its whole total when $4 is true, nothing
// otherwise. The window is partitioned by series_id, the distribution
// column, which Citus pushes down to the shards.
const compareCounterSQL = `
SELECT ts, sum(delta)::bigint
FROM (
	SELECT ts,
		CASE WHEN prev IS NULL THEN CASE WHEN $4::boolean THEN total ELSE 0 END
			WHEN total >= prev THEN total - prev
			ELSE total END AS delta
	FROM (
		SELECT ts, total, lag(total) OVER (PARTITION BY series_id ORDER BY ts) AS prev
		FROM %s
		WHERE series_id = ANY($1) AND ts >= $2 AND ts < $3 AND total IS NOT NULL
	) AS w
) AS d
GROUP BY ts
ORDER BY ts`

func (r *Reader) histogramFlushes(ctx context.Context, tx pgx.Tx, ids []int64, from, to pgtype.Timestamptz) ([]flush, error) {
	rows, err := tx.Query(ctx, fmt.Sprintf(compareScalarSQL, r.n.Points), ids, from, to)
	if err != nil {
		return nil, err
	}
	var fl []flush
	var f flush
	_, err = pgx.ForEachRow(rows, []any{&f.ts, &f.count, &f.sum, &f.min, &f.max}, func() error {
		fl = append(fl, f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	index := make(map[int64]int, len(fl)) // ts in µs -> position
	for i, f := range fl {
		index[f.ts.UnixMicro()] = i
	}
	rows, err = tx.Query(ctx, fmt.Sprintf(compareBucketSQL, r.n.Points), ids, from, to)
	if err != nil {
		return nil, err
	}
	var ts time.Time
	var idx int32
	var cnt int64
	_, err = pgx.ForEachRow(rows, []any{&ts, &idx, &cnt}, func() error {
		if i, ok := index[ts.UnixMicro()]; ok && cnt > 0 {
			fl[i].buckets = append(fl[i].buckets, metrics.Bucket{Index: idx, Count: uint64(cnt)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return fl, nil
}

func (r *Reader) counterFlushes(ctx context.Context, tx pgx.Tx, ids []int64, from, to pgtype.Timestamptz, release bool) ([]flush, error) {
	rows, err := tx.Query(ctx, fmt.Sprintf(compareCounterSQL, r.n.Points), ids, from, to, release)
	if err != nil {
		return nil, err
	}
	var fl []flush
	var f flush
	_, err = pgx.ForEachRow(rows, []any{&f.ts, &f.count}, func() error {
		fl = append(fl, f)
		return nil
	})
	return fl, err
}

// flushDist returns the distribution of one flush, or of several merged.
func flushDist(fl []flush) metrics.Distribution {
	var d metrics.Distribution
	counts := map[int32]uint64{}
	seen := false
	for _, f := range fl {
		d.Count += f.count
		d.Sum += f.sum
		for _, b := range f.buckets {
			counts[b.Index] += b.Count
		}
		if f.min.Valid && f.max.Valid && f.count > 0 {
			if !seen || f.min.Int64 < d.Min {
				d.Min = f.min.Int64
			}
			if !seen || f.max.Int64 > d.Max {
				d.Max = f.max.Int64
			}
			seen = true
		}
	}
	if len(counts) > 0 {
		d.Buckets = make([]metrics.Bucket, 0, len(counts))
		for _, idx := range slices.Sorted(maps.Keys(counts)) {
			d.Buckets = append(d.Buckets, metrics.Bucket{Index: idx, Count: counts[idx]})
		}
		if !seen {
			// Quantile clamps into [Min, Max]: without them (never so for
			// rows an exporter wrote), leave the representatives unclamped.
			d.Min, d.Max = math.MinInt64, math.MaxInt64
		}
	}
	return d
}

// fields are the compared fields of a histogram line, in Changes' keys.
var (
	histogramFields = []string{"count", "rate", "mean", "p50", "p95", "p99", "p999", "max"}
	counterFields   = []string{"count", "rate"}
)

// fieldValues returns the compared fields of st.
func fieldValues(st Stats) map[string]float64 {
	return map[string]float64{
		"count": float64(st.Count), "rate": st.Rate, "mean": st.Mean,
		"p50": st.P50, "p95": st.P95, "p99": st.P99, "p999": st.P999, "max": float64(st.Max),
	}
}

// stats summarises a line of a side; g nil is a line the side lacks.
func (g *group) stats(flushEvery time.Duration, histogram bool) Stats {
	var st Stats
	if g == nil || len(g.flushes) == 0 {
		return st
	}
	st.Intervals = len(g.flushes)
	st.Start, st.End = g.flushes[0].ts, g.flushes[len(g.flushes)-1].ts
	span := st.End.Sub(st.Start) + flushEvery
	d := flushDist(g.flushes)
	st.Count = d.Count
	if span > 0 {
		st.Rate = float64(st.Count) / span.Seconds()
	}
	if !histogram {
		return st
	}
	st.Dist = d
	st.Mean = d.Mean()
	if len(d.Buckets) > 0 {
		st.P50, st.P95, st.P99, st.P999 = d.Quantile(0.5), d.Quantile(0.95), d.Quantile(0.99), d.Quantile(0.999)
	}
	if d.Count > 0 {
		st.Max = d.Max
	}
	return st
}

// noise returns, for each field, the per-interval values of the line (g nil:
// none): each flush's hosts merged, the flushes taken one by one.
func (g *group) noise(flushEvery time.Duration, histogram bool) map[string][]float64 {
	out := map[string][]float64{}
	if g == nil {
		return out
	}
	for _, f := range g.flushes {
		out["count"] = append(out["count"], float64(f.count))
		out["rate"] = append(out["rate"], float64(f.count)/flushEvery.Seconds())
		if !histogram || f.count <= 0 {
			continue
		}
		d := flushDist([]flush{f})
		out["mean"] = append(out["mean"], d.Mean())
		out["max"] = append(out["max"], float64(d.Max))
		if len(d.Buckets) > 0 {
			out["p50"] = append(out["p50"], d.Quantile(0.5))
			out["p95"] = append(out["p95"], d.Quantile(0.95))
			out["p99"] = append(out["p99"], d.Quantile(0.99))
			out["p999"] = append(out["p999"], d.Quantile(0.999))
		}
	}
	return out
}

// changes computes the Changes of a line from its sides and the Before
// side's per-interval values.
func changes(before, after Stats, noise map[string][]float64, histogram bool) map[string]Change {
	fields := counterFields
	if histogram {
		fields = histogramFields
	}
	b, a := fieldValues(before), fieldValues(after)
	out := make(map[string]Change, len(fields))
	for _, f := range fields {
		out[f] = change(b[f], a[f], noise[f])
	}
	return out
}

// change is the Change from before to after, given the Before side's
// per-interval values of the field.
func change(before, after float64, perInterval []float64) Change {
	c := Change{Abs: after - before}
	if before == 0 {
		c.Significant = after != 0
		return c
	}
	c.Rel = c.Abs / before
	c.Significant = math.Abs(c.Rel) > significantRel
	if len(perInterval) >= minNoiseIntervals {
		c.Significant = c.Significant && math.Abs(c.Abs) > significantSigmas*stddev(perInterval)
	}
	return c
}

// stddev is the population standard deviation of xs.
func stddev(xs []float64) float64 {
	var m float64
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	var s float64
	for _, x := range xs {
		s += (x - m) * (x - m)
	}
	return math.Sqrt(s / float64(len(xs)))
}

// resolvedSide is s with the window of a release side filled from its data.
func resolvedSide(s Side, d *sideData) Side {
	if s.Release == "" {
		return s
	}
	return Side{Release: s.Release, From: d.start, To: d.end.Add(d.flush)}
}
