package pgreader

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vitals-go/vitals/compare"
	"github.com/vitals-go/vitals/metrics"
)

// Compare compares a metric of a service between two releases or two time
// windows, as compare.Compare does (see there for the statistics and the
// errors), reading every statement in one REPEATABLE READ, READ ONLY
// transaction: one snapshot of the database.
//
// It reads each release's runs from vitals_releases (host by host, from
// started_at to last_export) and each host's intervals within its runs. It
// resolves the series ids from vitals_series first, then reads the points
// with series_id = ANY(ids); nothing joins the two tables,
// so it runs on Citus with both distributed on the series id (see
// SCALING.md in exporters/postgres). Per interval, the counts and sums of
// the series add, and their buckets are summed in SQL; counters' increases
// are computed in SQL, by a window partitioned by series_id.
func (r *Reader) Compare(ctx context.Context, q compare.Query) (*compare.Comparison, error) {
	tx, err := r.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("pgreader: compare: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	c, err := compare.Compare(ctx, source{r: r, tx: tx}, q)
	if errors.Is(err, compare.ErrNoData) {
		return nil, fmt.Errorf("%w (schema %q)", err, r.n.Schema)
	}
	return c, err
}

// source is the compare.Source of Reader.Compare: the tables, read through
// one transaction.
type source struct {
	r  *Reader
	tx pgx.Tx
}

var _ compare.Source = source{}

// Releases returns the versions of Reader.Releases.
func (s source) Releases(ctx context.Context, service string) ([]string, error) {
	rels, err := s.r.releases(ctx, s.tx, service)
	if err != nil {
		return nil, err
	}
	versions := make([]string, len(rels))
	for i, rel := range rels {
		versions[i] = rel.Version
	}
	return versions, nil
}

// Series returns the series of Reader.Series.
func (s source) Series(ctx context.Context, name string, tags metrics.Tags) ([]compare.Series, error) {
	infos, err := s.r.series(ctx, s.tx, name, tags)
	if err != nil {
		return nil, err
	}
	out := make([]compare.Series, len(infos))
	for i, si := range infos {
		out[i] = compare.Series{ID: si.ID, Tags: si.Tags, Kind: si.Kind, Unit: si.Unit}
	}
	return out, nil
}

// Intervals reads the intervals of q's series: see intervals.go.
func (s source) Intervals(ctx context.Context, q compare.IntervalQuery) ([]compare.Interval, error) {
	if len(q.Series) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(q.Series))
	for i, si := range q.Series {
		ids[i] = si.ID
	}
	from, to := bound(q.From, pgtype.NegativeInfinity), bound(q.To, pgtype.Infinity)
	switch kind := q.Series[0].Kind; kind {
	case metrics.KindHistogram, metrics.KindTimer:
		return s.r.distributions(ctx, s.tx, ids, from, to)
	case metrics.KindCounter, metrics.KindMeter:
		return s.r.events(ctx, s.tx, ids, from, to, q.CountFirst)
	default:
		return nil, fmt.Errorf("series %d is a %s: only histograms, timers, counters and meters have intervals to compare", q.Series[0].ID, kind)
	}
}
