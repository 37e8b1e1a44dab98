package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vitals-go/vitals/compare"
	"github.com/vitals-go/vitals/metrics"
	"github.com/vitals-go/vitals/pgreader"
)

// side describes one side of a comparison, for the table's header and the
// chart's labels.
type side struct {
	name     string    // "before" or "after"
	release  string    // the version tag; "" for a time window
	from, to time.Time // the side's span, as Compare resolved it
	hosts    int       // hosts that ran the release; 0 when unknown (windows)
	started  time.Time // when the release's first process started; zero when unknown
}

// label is how legends name the side: "before v1", or "after 10:00:00–11:00:00".
func (s side) label() string {
	if s.release != "" {
		return s.name + " " + s.release
	}
	return s.name + " " + formatSpan(s.from, s.to, false)
}

// describeSides returns the before and after sides of cmp, with the host
// counts and start times of releases found in releases.
func describeSides(cmp *compare.Comparison, releases []pgreader.Release) [2]side {
	sides := [2]side{
		{name: "before", release: cmp.Query.Before.Release, from: cmp.Query.Before.From, to: cmp.Query.Before.To},
		{name: "after", release: cmp.Query.After.Release, from: cmp.Query.After.From, to: cmp.Query.After.To},
	}
	for i := range sides {
		for _, rel := range releases {
			if sides[i].release != "" && rel.Version == sides[i].release {
				sides[i].hosts = rel.Hosts
				sides[i].started = rel.FirstStart
			}
		}
	}
	return sides
}

// fields are the rows of a comparison block, in order. A block shows the
// ones its Changes hold (counters and meters have count and rate only).
var fields = []compare.Field{compare.FieldCount, compare.FieldRate, compare.FieldMean,
	compare.FieldP50, compare.FieldP95, compare.FieldP99, compare.FieldP999, compare.FieldMax}

// writeComparison writes cmp as a table: a header naming the metric and
// the sides, then one block per series line.
func writeComparison(w io.Writer, cmp *compare.Comparison, sides [2]side) error {
	q := cmp.Query
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", q.Service, q.Metric)
	if len(q.Tags) > 0 {
		fmt.Fprintf(&b, " {%s}", formatTags(q.Tags))
	}
	if cmp.Unit > 0 {
		fmt.Fprintf(&b, " (unit %s)", unitName(cmp.Unit))
	}
	b.WriteByte('\n')
	for _, s := range sides {
		what := "window"
		if s.release != "" {
			what = "release " + s.release
		}
		fmt.Fprintf(&b, "%-6s  %s, %s", s.name, what, formatSpan(s.from, s.to, true))
		if s.hosts > 0 {
			fmt.Fprintf(&b, ", %d host%s", s.hosts, plural(s.hosts))
		}
		b.WriteByte('\n')
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	significant := false
	for _, sc := range cmp.Series {
		fmt.Fprintln(tw)
		switch {
		case len(sc.Tags) > 0:
			fmt.Fprintf(tw, "series {%s}, %d and %d intervals\n", formatTags(sc.Tags), sc.Before.Intervals, sc.After.Intervals)
		case q.PerSeries:
			fmt.Fprintf(tw, "series {}, %d and %d intervals\n", sc.Before.Intervals, sc.After.Intervals)
		default:
			fmt.Fprintf(tw, "every matching series merged, %d and %d intervals\n", sc.Before.Intervals, sc.After.Intervals)
		}
		fmt.Fprintf(tw, "%-5s\t%s\t%s\tchange\trelative\t\n", "", sides[0].name, sides[1].name)
		for _, f := range fields {
			c, ok := sc.Changes[f]
			if !ok {
				continue
			}
			bv, av := sc.Before.Value(f), sc.After.Value(f)
			flag := ""
			if c.Significant {
				flag, significant = "  !!", true
			}
			fmt.Fprintf(tw, "%-5s\t%s\t%s\t%s\t%s\t%s\n", f,
				formatValue(f, cmp.Unit, bv, false), formatValue(f, cmp.Unit, av, false),
				formatValue(f, cmp.Unit, c.Abs, true), formatRel(bv, av, c.Rel), flag)
		}
	}
	if len(cmp.Series) == 0 {
		fmt.Fprintln(tw, "\nno series")
	}
	if significant {
		fmt.Fprintln(tw, "\n!! the change stands out from the interval-to-interval noise of the before side")
	}
	return tw.Flush()
}

// unitName names a unit of time as a duration's text does: ns, µs, ms, s.
func unitName(unit time.Duration) string {
	return strings.TrimPrefix(unit.String(), "1")
}

// formatValue formats the value v of field f: a count as an integer, a rate
// per second, durations (values in a unit of time) human-readably, other
// values as plain numbers. A change (signed) starts with + or -.
func formatValue(f compare.Field, unit time.Duration, v float64, signed bool) string {
	var s string
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "-"
	case f == compare.FieldCount:
		s = strconv.FormatFloat(math.Abs(v), 'f', 0, 64)
	case f == compare.FieldRate:
		s = formatNumber(math.Abs(v)) + "/s"
	case unit > 0:
		s = formatNanos(math.Abs(v) * float64(unit))
	default:
		s = formatNumber(math.Abs(v))
	}
	switch {
	case v < 0:
		return "-" + s
	case signed && v > 0:
		return "+" + s
	}
	return s
}

// formatRel formats a relative change, a fraction, as a percentage:
// "+98.2%". A change from 0 to anything else has no relative size: "n/a".
func formatRel(before, after, rel float64) string {
	if before == 0 && after != 0 || math.IsNaN(rel) || math.IsInf(rel, 0) {
		return "n/a"
	}
	s := strconv.FormatFloat(rel*100, 'f', 1, 64) + "%"
	if rel > 0 {
		s = "+" + s
	}
	return s
}

// formatNanos formats a non-negative number of nanoseconds with three
// significant digits in the largest unit that keeps it at least 1:
// 850ns, 12.3µs, 10.2ms, 1.5s; a minute or more as 2m3s.
func formatNanos(ns float64) string {
	if ns >= float64(time.Minute) {
		return time.Duration(ns).Round(time.Second).String()
	}
	units := []struct {
		size float64
		name string
	}{{1e9, "s"}, {1e6, "ms"}, {1e3, "µs"}, {1, "ns"}}
	for i, u := range units {
		if ns >= u.size || i == len(units)-1 {
			v := ns / u.size
			if v >= 999.5 && i > 0 { // would round to 1000: the next unit up
				u, v = units[i-1], ns/units[i-1].size
			}
			return strconv.FormatFloat(v, 'g', 3, 64) + u.name
		}
	}
	return "" // not reached
}

// formatNumber formats a non-negative number plainly: integers exactly
// (below 1e15), others with four significant digits and no exponent.
func formatNumber(v float64) string {
	if v == math.Trunc(v) && v < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	decimals := 3
	if v > 0 {
		decimals = max(0, 3-int(math.Floor(math.Log10(v))))
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// formatSpan formats [from, to]: "2026-05-01 10:00:01 – 10:00:06 UTC (5s)"
// when long, else "10:00:01–10:00:06".
func formatSpan(from, to time.Time, long bool) string {
	from, to = from.UTC(), to.UTC()
	if !long {
		return from.Format("15:04:05") + "–" + to.Format("15:04:05")
	}
	end := to.Format("15:04:05")
	if from.Format(time.DateOnly) != to.Format(time.DateOnly) {
		end = to.Format(time.DateTime)
	}
	return fmt.Sprintf("%s – %s UTC (%s)", from.Format(time.DateTime), end, shortDuration(to.Sub(from).Round(time.Second)))
}

// shortDuration formats d without zero trailing units: 1h, 5m, 1h30m, 6s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// formatTags formats tags as "k=v k=v", sorted by key.
func formatTags(tags metrics.Tags) string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		keys[i] = k + "=" + tags[k]
	}
	return strings.Join(keys, " ")
}

// plural returns "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
