package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vitals-go/vitals/compare"
	"github.com/vitals-go/vitals/metrics"
	"github.com/vitals-go/vitals/pgreader"
)

// compareSynopsis is the synopsis of `vitals compare -h`.
const compareSynopsis = `-service S (-metric NAME | -all) [-tag k=v ...] [sides] [flags]

Compares a histogram or timer (or the rate of a counter or meter) between
two releases of a service, or two time windows, from the tables of the
vitals PostgreSQL exporter, and judges each change: a regression is one
whose per-interval values differ by a Mann-Whitney U test (p-value at most
-alpha), by an effect of at least -min-effect, in the field's bad direction
(higher latency, lower throughput). -all compares every timer and
histogram of the service, the largest regressions first. Sides: -before
REL -after REL, or -before-window FROM,TO -after-window FROM,TO (RFC 3339),
or a mix; with neither side given, the last two releases of the service.

Exit status: 0 no regression, 1 failure, 2 usage error, 3 a regression.

flags:`

// compareArgs is the parsed command line of `vitals compare`.
type compareArgs struct {
	postgresURL, schema string
	query               compare.Query
	all, json           bool
	svg, png            string
	timeout             time.Duration
}

// errRegressed is returned, wrapped with what regressed, when a compared
// metric regressed beyond the thresholds: the command exits with
// exitRegressed.
var errRegressed = errors.New("regression")

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

	var cmps []*compare.Comparison
	var skipped []skippedMetric
	if a.all {
		if cmps, skipped, err = compareAll(ctx, r, a.query); err != nil {
			return err
		}
	} else {
		c, err := r.Compare(ctx, a.query)
		if err != nil {
			return explainCompareError(ctx, r, a.query, err)
		}
		cmps = []*compare.Comparison{c}
	}

	switch {
	case a.json:
		err = writeJSON(stdout, cmps, skipped, a.query.Judge)
	case a.all:
		err = writeRanking(stdout, cmps, skipped, a.query.Judge)
	default:
		err = writeComparison(stdout, cmps[0], a.query.Judge)
	}
	if err != nil {
		return err
	}
	if a.svg != "" || a.png != "" {
		ch, err := loadChart(ctx, r, cmps[0])
		if err != nil {
			return err
		}
		if err := ch.save(a.svg, a.png); err != nil {
			return err
		}
	}
	return regressions(cmps)
}

// regressions returns an error wrapping errRegressed that names every
// regressed line, largest first, or nil when none regressed.
func regressions(cmps []*compare.Comparison) error {
	var lines []string
	for _, rk := range compare.Rank(cmps) {
		if rk.Change.Verdict != compare.Worse {
			break
		}
		lines = append(lines, fmt.Sprintf("%s %s %+.1f%% (p = %s)", lineName(rk.Comparison, rk.Line), rk.Field,
			100*rk.Change.Effect, formatP(rk.Change.PValue)))
	}
	if len(lines) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", errRegressed, listSome(lines, 10))
}

// lineName names a line of a comparison: the metric, and the line's tags
// when it has any.
func lineName(c *compare.Comparison, i int) string {
	if tags := c.Series[i].Tags; len(tags) > 0 {
		return c.Query.Metric + " {" + formatTags(tags) + "}"
	}
	return c.Query.Metric
}

// parseCompareArgs parses and checks the command line of `vitals compare`.
// Its errors are *usageError, or flag.ErrHelp.
func parseCompareArgs(args []string, stderr io.Writer) (*compareArgs, error) {
	fs := newFlagSet("compare", stderr, compareSynopsis)
	var a compareArgs
	tags := tagFlags{}
	worseWhen := directionFlags{}
	minEffect := fractionFlag(compare.DefaultMinEffect)
	var before, after, beforeWin, afterWin string
	fs.StringVar(&a.postgresURL, "postgres", os.Getenv("VITALS_POSTGRES_URL"), "PostgreSQL URL of the exporter's database (default $VITALS_POSTGRES_URL)")
	fs.StringVar(&a.schema, "schema", "public", "schema of the vitals tables")
	fs.StringVar(&a.query.Service, "service", os.Getenv("VITALS_SERVICE"), "the service tag, required (default $VITALS_SERVICE)")
	fs.StringVar(&a.query.Metric, "metric", "", "metric name, such as stage.latency; required unless -all")
	fs.BoolVar(&a.all, "all", false, "compare every timer and histogram of the service, ranking the largest regressions first")
	fs.Var(tags, "tag", "only series with this tag, as key=value (repeatable)")
	fs.StringVar(&before, "before", "", "release (version tag) of the before side")
	fs.StringVar(&after, "after", "", "release (version tag) of the after side")
	fs.StringVar(&beforeWin, "before-window", "", "time window FROM,TO (RFC 3339) of the before side, instead of -before")
	fs.StringVar(&afterWin, "after-window", "", "time window FROM,TO (RFC 3339) of the after side, instead of -after")
	fs.BoolVar(&a.query.PerSeries, "per-series", false, "one block per tag set (hosts merged) instead of every matching series merged")
	fs.Float64Var(&a.query.Judge.Alpha, "alpha", compare.DefaultAlpha, "largest p-value of a significant change (Mann-Whitney U test of the per-interval values)")
	fs.Var(&minEffect, "min-effect", "smallest effect of a flagged change, as 0.1 or 10% (the median shift of the per-interval values, relative to their median before)")
	fs.Var(worseWhen, "worse-when", "FIELD=higher|lower|either: the direction in which a field is worse, overriding the default (values higher, rate lower; rate higher for metrics named for failures) (repeatable)")
	fs.BoolVar(&a.json, "json", false, "print the comparison as JSON")
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
	if len(worseWhen) > 0 {
		a.query.Judge.WorseWhen = worseWhen
	}
	a.query.Judge.MinEffect = float64(minEffect)
	switch {
	case a.postgresURL == "":
		return nil, usagef("-postgres is required (or set VITALS_POSTGRES_URL)")
	case a.query.Service == "":
		return nil, usagef("-service is required (or set VITALS_SERVICE)")
	case a.query.Metric == "" && !a.all:
		return nil, usagef("-metric is required (or -all)")
	case a.query.Metric != "" && a.all:
		return nil, usagef("-metric and -all both set; give one")
	case a.all && (a.svg != "" || a.png != ""):
		return nil, usagef("-svg and -png chart one metric: give -metric instead of -all")
	case a.timeout <= 0:
		return nil, usagef("-timeout must be positive, got %v", a.timeout)
	case !(a.query.Judge.Alpha > 0 && a.query.Judge.Alpha < 1):
		return nil, usagef("-alpha must be in (0, 1), got %v", a.query.Judge.Alpha)
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

// fractionFlag is a -min-effect: a fraction, 0.1, or a percentage, 10%.
type fractionFlag float64

func (f *fractionFlag) String() string { return strconv.FormatFloat(float64(*f), 'g', -1, 64) }

func (f *fractionFlag) Set(s string) error {
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil || v <= 0 || v != v {
		return fmt.Errorf("want a positive fraction (0.1) or percentage (10%%), got %q", s)
	}
	if pct {
		v /= 100
	}
	*f = fractionFlag(v)
	return nil
}

// directionFlags collects repeated -worse-when FIELD=DIRECTION flags.
type directionFlags map[compare.Field]compare.Direction

func (d directionFlags) String() string {
	var parts []string
	for _, f := range slices.Sorted(maps.Keys(d)) {
		parts = append(parts, string(f)+"="+d[f].String())
	}
	return strings.Join(parts, ",")
}

func (d directionFlags) Set(s string) error {
	f, dir, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("want FIELD=higher|lower|either, got %q", s)
	}
	if !slices.Contains(fields[1:], compare.Field(f)) {
		return fmt.Errorf("field %q: want one of %v", f, fields[1:])
	}
	v, err := compare.ParseDirection(dir)
	if err != nil {
		return err
	}
	d[compare.Field(f)] = v
	return nil
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
