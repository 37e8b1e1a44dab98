package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/vitals-go/vitals/compare"
	"github.com/vitals-go/vitals/metrics"
	"github.com/vitals-go/vitals/pgreader"
)

// skippedMetric is a metric that compare -all could not compare, and why.
type skippedMetric struct{ name, reason string }

// compareAll compares every timer and histogram of q.Service whose series
// match q.Tags, as q says, one Compare per metric name. A metric without
// data on a side is skipped, and said so.
func compareAll(ctx context.Context, r *pgreader.Reader, q compare.Query) ([]*compare.Comparison, []skippedMetric, error) {
	filter := metrics.Tags{metrics.TagService: q.Service}
	maps.Copy(filter, q.Tags)
	series, err := r.Series(ctx, "", filter)
	if err != nil {
		return nil, nil, err
	}
	names := map[string]bool{}
	for _, s := range series {
		if s.Kind == metrics.KindTimer || s.Kind == metrics.KindHistogram {
			names[s.Name] = true
		}
	}
	if len(names) == 0 {
		err := fmt.Errorf("%w: service %q has no timer or histogram", compare.ErrNoData, q.Service)
		if len(q.Tags) > 0 {
			err = fmt.Errorf("%w: service %q has no timer or histogram with tags {%s}", compare.ErrNoData, q.Service, formatTags(q.Tags))
		}
		return nil, nil, explainCompareError(ctx, r, q, err)
	}
	var cmps []*compare.Comparison
	var skipped []skippedMetric
	for _, name := range slices.Sorted(maps.Keys(names)) {
		mq := q
		mq.Metric = name
		c, err := r.Compare(ctx, mq)
		switch {
		case errors.Is(err, compare.ErrNoData):
			skipped = append(skipped, skippedMetric{name, strings.TrimPrefix(err.Error(), "compare: ")})
			continue
		case err != nil:
			return nil, nil, explainCompareError(ctx, r, mq, err)
		}
		cmps = append(cmps, c)
	}
	if len(cmps) == 0 {
		return nil, nil, explainCompareError(ctx, r, q,
			fmt.Errorf("%w on both sides for any of the %d timers and histograms of service %q, such as: %s",
				compare.ErrNoData, len(names), q.Service, skipped[0].reason))
	}
	return cmps, skipped, nil
}

// writeRanking writes the comparisons of compare -all: the sides, then one
// row per line of every comparison, its worst field, ranked by
// compare.Rank, then the metrics skipped.
func writeRanking(w io.Writer, cmps []*compare.Comparison, skipped []skippedMetric, j compare.Judge) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d timers and histograms compared, the largest regressions first\n", cmps[0].Query.Service, len(cmps))
	writeSides(&b, cmps[0])
	b.WriteByte('\n')
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "rank\tmetric\tworst\tbefore\tafter\trelative\tp-value\teffect\tverdict")
	regressed := false
	for i, rk := range compare.Rank(cmps) {
		c, l := rk.Comparison, rk.Comparison.Series[rk.Line]
		if rk.Field == "" {
			fmt.Fprintf(tw, "%d\t%s\t-\t\t\t\t\t\tuntested\n", i+1, lineName(c, rk.Line))
			continue
		}
		bv, av := l.Before.Value(rk.Field), l.After.Value(rk.Field)
		verdict := verdictText(rk.Change)
		regressed = regressed || rk.Change.Verdict == compare.Worse
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", i+1, lineName(c, rk.Line), rk.Field,
			formatValue(rk.Field, c.Unit, bv, false), formatValue(rk.Field, c.Unit, av, false),
			formatRel(bv, av, rk.Change.Rel), formatP(rk.Change.PValue), formatEffect(rk.Change.Effect), verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b.Reset()
	if len(skipped) > 0 {
		fmt.Fprintf(&b, "\nnot compared:\n")
		for _, s := range skipped {
			fmt.Fprintf(&b, "  %s: %s\n", s.name, s.reason)
		}
	}
	b.WriteByte('\n')
	writeLegend(&b, j, regressed)
	_, err := io.WriteString(w, b.String())
	return err
}
