package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vitals-go/vitals/compare"
	"github.com/vitals-go/vitals/metrics"
	"github.com/vitals-go/vitals/pgreader"
)

// compareSynopsis is the synopsis of `vitals compare -h`.
const compareSynopsis = `-service S -metric NAME [-tag k=v ...] [sides] [flags]

Compares a histogram or timer (or the count and rate of a counter or meter)
between two releases of a service, or two time windows, from the tables of
the vitals PostgreSQL exporter. Sides: -before REL -after REL, or
-before-window FROM,TO -after-window FROM,TO (RFC 3339), or a mix; with
neither side given, the last two releases of the service.

flags:`

// compareArgs is the parsed command line of `vitals compare`.
type compareArgs struct {
	postgresURL, schema string
	query               compare.Query
	svg, png            string
	timeout             time.Duration
}

// runCompare runs `vitals compare`.
func runCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := parseCompareArgs(args, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()

	r, err := pgreader.New(ctx, pgreader.Config{URL: a.postgresURL, Schema: a.schema})
	if err != nil {
		return err
	}
	defer r.Close()

	cmp, err := r.Compare(ctx, a.query)
	if err != nil {
		return explainCompareError(ctx, r, a.query, err)
	}
	releases, err := r.Releases(ctx, a.query.Service)
	if err != nil {
		return err
	}
	sides := describeSides(cmp, releases)
	if err := writeComparison(stdout, cmp, sides); err != nil {
		return err
	}
	if a.svg == "" && a.png == "" {
		return nil
	}
	ch, err := loadChart(ctx, r, cmp, sides)
	if err != nil {
		return err
	}
	return ch.save(a.svg, a.png)
}

// parseCompareArgs parses and checks the command line of `vitals compare`.
// Its errors are *usageError, or flag.ErrHelp.
func parseCompareArgs(args []string, stderr io.Writer) (*compareArgs, error) {
	fs := newFlagSet("compare", stderr, compareSynopsis)
	var a compareArgs
	tags := tagFlags{}
	var before, after, beforeWin, afterWin string
	fs.StringVar(&a.postgresURL, "postgres", os.Getenv("VITALS_POSTGRES_URL"), "PostgreSQL URL of the exporter's database (default $VITALS_POSTGRES_URL)")
	fs.StringVar(&a.schema, "schema", "public", "schema of the vitals tables")
	fs.StringVar(&a.query.Service, "service", os.Getenv("VITALS_SERVICE"), "the service tag, required (default $VITALS_SERVICE)")
	fs.StringVar(&a.query.Metric, "metric", "", "metric name, required, such as stage.latency")
	fs.Var(tags, "tag", "only series with this tag, as key=value (repeatable)")
	fs.StringVar(&before, "before", "", "release (version tag) of the before side")
	fs.StringVar(&after, "after", "", "release (version tag) of the after side")
	fs.StringVar(&beforeWin, "before-window", "", "time window FROM,TO (RFC 3339) of the before side, instead of -before")
	fs.StringVar(&afterWin, "after-window", "", "time window FROM,TO (RFC 3339) of the after side, instead of -after")
	fs.BoolVar(&a.query.PerSeries, "per-series", false, "one block per tag set (hosts merged) instead of every matching series merged")
	fs.StringVar(&a.svg, "svg", "", "write a chart to this SVG file")
	fs.StringVar(&a.png, "png", "", "write a chart to this PNG file")
	fs.DurationVar(&a.timeout, "timeout", time.Minute, "give up after this long")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, usagef("unexpected argument %q (every input is a flag)", pos[0])
	}
	if len(tags) > 0 {
		a.query.Tags = metrics.Tags(tags)
	}
	switch {
	case a.postgresURL == "":
		return nil, usagef("-postgres is required (or set VITALS_POSTGRES_URL)")
	case a.query.Service == "":
		return nil, usagef("-service is required (or set VITALS_SERVICE)")
	case a.query.Metric == "":
		return nil, usagef("-metric is required")
	case a.timeout <= 0:
		return nil, usagef("-timeout must be positive, got %v", a.timeout)
	}
	if _, err := pgconn.ParseConfig(a.postgresURL); err != nil { // pgconn redacts the password
		return nil, usagef("-postgres: %v", err)
	}
	if a.query.Before, err = parseSide("before", before, beforeWin); err != nil {
		return nil, err
	}
	if a.query.After, err = parseSide("after", after, afterWin); err != nil {
		return nil, err
	}
	if (a.query.Before == compare.Side{}) != (a.query.After == compare.Side{}) {
		return nil, usagef("give both sides (-before/-before-window and -after/-after-window), or neither for the last two releases")
	}
	return &a, nil
}

// parseSide returns the side given by -name (a release) or -name-window
// (FROM,TO), the zero Side when neither is set.
func parseSide(name, release, window string) (compare.Side, error) {
	switch {
	case release != "" && window != "":
		return compare.Side{}, usagef("-%s and -%s-window both set; give one", name, name)
	case release != "":
		return compare.Side{Release: release}, nil
	case window == "":
		return compare.Side{}, nil
	}
	from, to, ok := strings.Cut(window, ",")
	if !ok {
		return compare.Side{}, usagef("-%s-window: want FROM,TO in RFC 3339 (2006-01-02T15:04:05Z), got %q", name, window)
	}
	var s compare.Side
	var err error
	if s.From, err = time.Parse(time.RFC3339, strings.TrimSpace(from)); err != nil {
		return s, usagef("-%s-window: FROM: %v", name, err)
	}
	if s.To, err = time.Parse(time.RFC3339, strings.TrimSpace(to)); err != nil {
		return s, usagef("-%s-window: TO: %v", name, err)
	}
	if !s.From.Before(s.To) {
		return s, usagef("-%s-window: FROM %s is not before TO %s", name, from, to)
	}
	return s, nil
}

// explainCompareError adds to a Compare error what the database holds
// instead: the metrics of the service when the metric is unknown, the
// releases when a release has no data or there are fewer than two.
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
	case !names[q.Metric]:
		return fmt.Errorf("%w\nservice %q has no metric %q; it has: %s", err, q.Service, q.Metric,
			listSome(slices.Sorted(maps.Keys(names)), 30))
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

// listSome joins the first n of list, saying how many more there are.
func listSome(list []string, n int) string {
	if len(list) <= n {
		return strings.Join(list, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(list[:n], ", "), len(list)-n)
}
