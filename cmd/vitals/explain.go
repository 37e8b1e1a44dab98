package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/vitals-go/vitals/compare"
	"github.com/vitals-go/vitals/metrics"
	"github.com/vitals-go/vitals/pgreader"
)

// explainCompareError adds to a Compare error what the database holds
// instead: the metrics of the service when the metric is unknown, the tags
// of its series when the tag filter matches none, the releases when a
// release has no data or there are fewer than two.
func explainCompareError(ctx context.Context, r *pgreader.Reader, q compare.Query, err error) error {
	if !errors.Is(err, compare.ErrNoData) && !errors.Is(err, compare.ErrInvalidQuery) {
		return err
	}
	ofService := metrics.Tags{metrics.TagService: q.Service}
	series, lerr := r.Series(ctx, "", ofService)
	if lerr != nil {
		return err
	}
	names := map[string]bool{}
	for _, s := range series {
		names[s.Name] = true
	}
	switch {
	case len(names) == 0:
		return fmt.Errorf("%w\nthe database has no series of service %q", err, q.Service)
	case q.Metric != "" && !names[q.Metric]:
		return fmt.Errorf("%w\nservice %q has no metric %q; it has: %s", err, q.Service, q.Metric,
			listSome(slices.Sorted(maps.Keys(names)), 30))
	}
	if len(q.Tags) > 0 {
		if tagErr := explainTags(ctx, r, q, series, err); tagErr != nil {
			return tagErr
		}
	}
	releases, lerr := r.Releases(ctx, q.Service)
	if lerr != nil {
		return err
	}
	var vs []string
	for _, rel := range releases {
		vs = append(vs, rel.Version)
	}
	if len(vs) == 0 {
		return fmt.Errorf("%w\nno release of service %q is recorded", err, q.Service)
	}
	if len(vs) > 30 {
		return fmt.Errorf("%w\nthe last 30 of the %d releases of service %q, oldest first: %s", err, len(vs), q.Service, strings.Join(vs[len(vs)-30:], ", "))
	}
	return fmt.Errorf("%w\nreleases of service %q, oldest first: %s", err, q.Service, strings.Join(vs, ", "))
}

// explainTags returns err with the tags that exist, when q's tag filter
// matches no series of q's metric (of every metric of the service, with
// q.Metric empty); nil when it matches some. ofService are the series of
// the service.
func explainTags(ctx context.Context, r *pgreader.Reader, q compare.Query, ofService []pgreader.SeriesInfo, err error) error {
	filter := metrics.Tags{metrics.TagService: q.Service}
	maps.Copy(filter, q.Tags)
	matching, lerr := r.Series(ctx, q.Metric, filter)
	if lerr != nil || len(matching) > 0 {
		return nil
	}
	what := fmt.Sprintf("service %q", q.Service)
	var candidates []pgreader.SeriesInfo
	for _, s := range ofService {
		if q.Metric == "" || s.Name == q.Metric {
			candidates = append(candidates, s)
		}
	}
	if q.Metric != "" {
		what = fmt.Sprintf("metric %q of service %q", q.Metric, q.Service)
	}
	return fmt.Errorf("%w\nno series of %s has the tags {%s}; its series have the tags: %s",
		err, what, formatTags(q.Tags), existingTags(candidates))
}

// existingTags lists the tags of series but service, key by key, with
// their values: "host=web01|web02 stage=plan|exec", at most 10 values a key.
func existingTags(series []pgreader.SeriesInfo) string {
	values := map[string]map[string]bool{}
	for _, s := range series {
		for k, v := range s.Tags {
			if k == metrics.TagService {
				continue
			}
			if values[k] == nil {
				values[k] = map[string]bool{}
			}
			values[k][v] = true
		}
	}
	if len(values) == 0 {
		return "none but service"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(values)) {
		vs := slices.Sorted(maps.Keys(values[k]))
		s := k + "=" + strings.Join(vs[:min(len(vs), 10)], "|")
		if len(vs) > 10 {
			s += fmt.Sprintf("|... (%d more)", len(vs)-10)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// listSome joins the first n of list, saying how many more there are.
func listSome(list []string, n int) string {
	if len(list) <= n {
		return strings.Join(list, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(list[:n], ", "), len(list)-n)
}
