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
)

// fields are the rows of a comparison block, in order. A block shows the
// ones its Changes hold (counters and meters have count and rate only).
var fields = []compare.Field{compare.FieldCount, compare.FieldRate, compare.FieldMean,
	compare.FieldP50, compare.FieldP95, compare.FieldP99, compare.FieldP999, compare.FieldMax}

// sideLabel is how legends name a side: "before v1", or "after
// 10:00:00–11:00:00".
func sideLabel(name string, s compare.Side) string {
	if s.Release != "" {
		return name + " " + s.Release
	}
	return name + " " + formatSpan(s.From, s.To, false)
}

// writeSides writes the sides of c, a line each: the release or window,
// its span, how long it ran when less, its hosts; and a line per host
// with its own window when there are several.
func writeSides(b *strings.Builder, c *compare.Comparison) {
	for _, s := range []struct {
		name string
		side compare.Side
		span compare.Span
	}{{"before", c.Query.Before, c.Before}, {"after", c.Query.After, c.After}} {
		what := "window"
		if s.side.Release != "" {
			what = "release " + s.side.Release
		}
		fmt.Fprintf(b, "%-6s  %s, %s", s.name, what, formatSpan(s.span.From, s.span.To, true))
		if span := s.span.To.Sub(s.span.From); s.span.Duration < span-span/100 {
			fmt.Fprintf(b, ", ran %s", shortDuration(s.span.Duration.Round(100*time.Millisecond)))
		}
		if n := len(s.span.Hosts); n > 0 {
			fmt.Fprintf(b, ", %d host%s", n, plural(n))
		}
		b.WriteByte('\n')
		if len(s.span.Hosts) < 2 {
			continue
		}
		for i, h := range s.span.Hosts {
			if i == 10 {
				fmt.Fprintf(b, "          and %d more hosts\n", len(s.span.Hosts)-i)
				break
			}
			fmt.Fprintf(b, "          host %s: %s\n", h.Host, formatSpan(h.Start, h.End, false))
		}
	}
}

// writeComparison writes c as a table: a header naming the metric and the
// sides, then one block per series line, then a legend.
func writeComparison(w io.Writer, c *compare.Comparison, j compare.Judge) error {
	q := c.Query
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", q.Service, q.Metric)
	if len(q.Tags) > 0 {
		fmt.Fprintf(&b, " {%s}", formatTags(q.Tags))
	}
	if c.Unit > 0 {
		fmt.Fprintf(&b, " (unit %s)", unitName(c.Unit))
	}
	b.WriteByte('\n')
	writeSides(&b, c)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}

	regressed := false
	for _, l := range c.Series {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw)
		switch {
		case len(l.Tags) > 0:
			fmt.Fprintf(tw, "series {%s}, %d and %d intervals\n", formatTags(l.Tags), l.Before.Intervals, l.After.Intervals)
		case q.PerSeries:
			fmt.Fprintf(tw, "series {}, %d and %d intervals\n", l.Before.Intervals, l.After.Intervals)
		default:
			fmt.Fprintf(tw, "every matching series merged, %d and %d intervals\n", l.Before.Intervals, l.After.Intervals)
		}
		fmt.Fprintf(tw, "%-5s\t%s\t%s\tchange\trelative\tp-value\teffect\t  verdict\n", "", "before", "after")
		var weak *compare.Change // a tested change that could not reach alpha
		for _, f := range fields {
			ch, ok := l.Changes[f]
			if !ok {
				continue
			}
			bv, av := l.Before.Value(f), l.After.Value(f)
			regressed = regressed || ch.Verdict == compare.Worse
			if ch.Verdict != compare.Untested && compare.MinPValue(ch.BeforeValues, ch.AfterValues) > j.Alpha && weak == nil {
				weak = &ch
			}
			verdict := verdictText(ch)
			if verdict != "" {
				verdict = "  " + verdict
			}
			fmt.Fprintf(tw, "%-5s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f,
				formatValue(f, c.Unit, bv, false), formatValue(f, c.Unit, av, false),
				formatValue(f, c.Unit, ch.Abs, true), formatRel(bv, av, ch.Rel),
				formatP(ch.PValue), formatEffect(ch.Effect), verdict)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if weak != nil {
			fmt.Fprintf(w, "note: with %d and %d intervals a side, no p-value is below %s, above -alpha %v: nothing can be flagged; compare longer runs\n",
				weak.BeforeValues, weak.AfterValues, formatP(compare.MinPValue(weak.BeforeValues, weak.AfterValues)), j.Alpha)
		}
	}
	b.Reset()
	if len(c.Series) == 0 {
		b.WriteString("\nno series\n")
	}
	b.WriteByte('\n')
	writeLegend(&b, j, regressed)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeLegend explains the p-value, the effect and the verdicts.
func writeLegend(b *strings.Builder, j compare.Judge, regressed bool) {
	fmt.Fprintf(b, "p-value: Mann-Whitney U test of the per-interval values; effect: their median shift, relative to before\n")
	fmt.Fprintf(b, "worse, better: p-value <= %v and |effect| >= %s; worse is higher values or a lower rate (a higher one for failures)\n",
		j.Alpha, strings.TrimPrefix(formatEffect(j.MinEffect), "+"))
	if regressed {
		fmt.Fprintf(b, "!! a regression: vitals compare exits with status %d\n", exitRegressed)
	}
}

// verdictText is the verdict column: "worse !!", "better", or nothing.
func verdictText(c compare.Change) string {
	switch c.Verdict {
	case compare.Worse:
		return "worse !!"
	case compare.Better:
		return "better"
	}
	return ""
}

// formatP formats a p-value with two significant digits: 0.034, 1.1e-05;
// "-" when untested.
func formatP(p float64) string {
	if math.IsNaN(p) {
		return "-"
	}
	return strconv.FormatFloat(p, 'g', 2, 64)
}

// formatEffect formats an effect, a fraction, as a signed percentage:
// "+101.0%"; "-" when untested.
func formatEffect(e float64) string {
	if math.IsNaN(e) || math.IsInf(e, 0) {
		return "-"
	}
	s := strconv.FormatFloat(e*100, 'f', 1, 64) + "%"
	if e >= 0 {
		s = "+" + s
	}
	return s
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

// formatSpan formats [from, to]: "2026-05-01 10:00:01.3 – 10:00:06.8 UTC
// (5.5s)" when long, else "10:00:01.3–10:00:06.8"; tenths of seconds are
// shown unless both are whole seconds.
func formatSpan(from, to time.Time, long bool) string {
	from, to = from.UTC(), to.UTC()
	clock := "15:04:05"
	if from.Nanosecond() != 0 || to.Nanosecond() != 0 {
		clock = "15:04:05.0"
	}
	if !long {
		return from.Format(clock) + "–" + to.Format(clock)
	}
	end := to.Format(clock)
	if from.Format(time.DateOnly) != to.Format(time.DateOnly) {
		end = to.Format(time.DateOnly + " " + clock)
	}
	return fmt.Sprintf("%s – %s UTC (%s)", from.Format(time.DateOnly+" "+clock), end,
		shortDuration(to.Sub(from).Round(100*time.Millisecond)))
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
