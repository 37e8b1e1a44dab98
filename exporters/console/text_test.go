package console_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vitals-go/vitals/exporters/console"
	"github.com/vitals-go/vitals/metrics"
)

var textTime = time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC)

// textSnapshot has application and SDK series in registration order, mixed.
// step 1 is the next interval's values. Seq numbers the steps from 1, as a
// registry numbers its intervals, so that an Export of the same step again
// after a failure is a retry.
func textSnapshot(step int64) metrics.Snapshot {
	exporter := []metrics.Tag{{Key: "exporter", Value: "console"}}
	return metrics.Snapshot{
		Seq:         uint64(step) + 1,
		Time:        textTime.Add(time.Duration(step) * 10 * time.Second),
		DefaultTags: []metrics.Tag{{Key: "host", Value: "web01"}, {Key: "service", Value: "alerts"}},
		Series: []metrics.Series{
			{Name: "vitals.exporter.exported", Tags: exporter, Kind: metrics.KindCounter, Count: 111 + 111*step},
			{Name: "request.latency", Tags: []metrics.Tag{{Key: "route", Value: "/hello"}}, Kind: metrics.KindTimer, Unit: "ns",
				Count: 478 + 53*step, Rates: metrics.Rates{Rate1: 5, Mean: 5},
				Summary: metrics.Summary{Count: 53, Min: 1e6, Max: 25_100_000, P50: 4_320_000, P99: 20_200_000}},
			{Name: "jobs.done", Tags: []metrics.Tag{{Key: "queue", Value: "base"}}, Kind: metrics.KindCounter, Count: 1181 + 53*step},
			{Name: "go.goroutines", Kind: metrics.KindGauge, Value: 12},
			{Name: "queue.depth", Tags: []metrics.Tag{{Key: "queue", Value: "in"}}, Kind: metrics.KindGauge, Value: 25},
			{Name: "jobs.done", Tags: []metrics.Tag{{Key: "queue", Value: "alt"}}, Kind: metrics.KindCounter, Count: 7},
			{Name: "upload.bytes", Kind: metrics.KindHistogram, Count: 10 * step,
				Summary: metrics.Summary{Count: 10 * step, Min: 100, Max: 2 << 20, P50: 2048, P99: 1.5 * (1 << 20)}},
			{Name: "go.heap.objects.bytes", Kind: metrics.KindGauge, Value: 204032},
			{Name: "vitals.exporter.flush", Tags: exporter, Kind: metrics.KindTimer, Unit: "ns", Count: 1 + step,
				Summary: metrics.Summary{Count: 1, Min: 116_000, Max: 116_000, P50: 116_000, P99: 116_000}},
			{Name: "process.open.fds", Kind: metrics.KindGauge, Value: 9},
			{Name: "sessions", Kind: metrics.KindMeter, Count: 5 + 3*step, Rates: metrics.Rates{Rate1: 0.3, Mean: 0.3}},
			{Name: "vitals.exporter.since_success", Tags: exporter, Kind: metrics.KindGaugeFloat64, Value: 9.987},
		},
	}
}

// textOutput is textSnapshot(0) then textSnapshot(1). The first has no
// interval, so no changes of counters and no rates.
const textOutput = `-- 2026-12-03 13:00:00 UTC  host=web01 service=alerts ------------------------
jobs.done        queue=alt         7
jobs.done        queue=base    1,181
queue.depth      queue=in         25
request.latency  route=/hello    478 (+53)  p50 4.32ms  p99 20.2ms  max 25.1ms
sessions                           5
upload.bytes                       0 (+0)
-- vitals.exporter exporter=console: exported 111  flush 1 (+1) p50 116µs p99 116µs max 116µs  since_success 9.99s
-- go: goroutines 12  heap.objects.bytes 199KiB
-- process: open.fds 9
-- 2026-12-03 13:00:10 UTC  interval 10s  host=web01 service=alerts -----------------
jobs.done        queue=alt         7 (+0, 0/s)
jobs.done        queue=base    1,234 (+53, 5.3/s)
queue.depth      queue=in         25
request.latency  route=/hello    531 (+53, 5.3/s)  p50 4.32ms  p99 20.2ms  max 25.1ms
sessions                           8 (+3, 0.3/s)
upload.bytes                      10 (+10, 1/s)    p50   2KiB  p99 1.5MiB  max   2MiB
-- vitals.exporter exporter=console: exported 222 (+111)  flush 2 (+1) p50 116µs p99 116µs max 116µs
   since_success 9.99s
-- go: goroutines 12  heap.objects.bytes 199KiB
-- process: open.fds 9
`

func exportAll(t *testing.T, e *console.Exporter, snaps ...metrics.Snapshot) {
	t.Helper()
	for _, snap := range snaps {
		if err := e.Export(context.Background(), snap); err != nil {
			t.Fatal(err)
		}
	}
}

func TestText(t *testing.T) {
	var w countingWriter
	e := newExporter(t, console.Config{Writer: &w})
	exportAll(t, e, textSnapshot(0), textSnapshot(1))
	if got := w.String(); got != textOutput {
		t.Fatalf("got\n%s\nwant\n%s", got, textOutput)
	}
	if w.writes != 2 {
		t.Fatalf("%d writes, want one per snapshot", w.writes)
	}
}

// The header carries the default tags, the series lines only their own.
func TestTextDefaultTagsOnce(t *testing.T) {
	var buf bytes.Buffer
	e := newExporter(t, console.Config{Writer: &buf})
	snap := textSnapshot(0)
	snap.Series = append(snap.Series, metrics.Series{Name: "moved", Kind: metrics.KindGauge, Value: 1,
		Tags: []metrics.Tag{{Key: "host", Value: "worker7"}}})
	exportAll(t, e, snap)
	lines := strings.Split(buf.String(), "\n")
	if !strings.Contains(lines[0], "host=web01 service=alerts") {
		t.Fatalf("header %q lacks the default tags", lines[0])
	}
	for _, l := range lines[1:] {
		if strings.Contains(l, "web01") || strings.Contains(l, "service=") {
			t.Errorf("a default tag on %q", l)
		}
	}
	if !strings.Contains(buf.String(), "\nmoved            host=worker7      1\n") {
		t.Errorf("the series' own host tag is missing:\n%s", buf.String())
	}
}

// Every line's columns start at the same place, whatever the widths of the
// names, tags and values, and no line ends in spaces.
func TestTextAlignment(t *testing.T) {
	snap := metrics.Snapshot{Time: textTime, Series: []metrics.Series{
		{Name: "a", Kind: metrics.KindTimer, Count: 3, Summary: metrics.Summary{Count: 3, Max: 9e9, P50: 850, P99: 2e9}},
		{Name: "long.name.of.a.timer", Tags: []metrics.Tag{{Key: "k", Value: "v"}}, Kind: metrics.KindTimer, Count: 1_000_000,
			Summary: metrics.Summary{Count: 12345, Max: 25e6, P50: 4e6, P99: 12e6}},
		{Name: "größe", Tags: []metrics.Tag{{Key: "stage", Value: "µ-plan"}}, Kind: metrics.KindHistogram, Count: 2,
			Summary: metrics.Summary{Count: 2, Max: 30, P50: 10, P99: 30}},
		{Name: "c", Tags: []metrics.Tag{{Key: "route", Value: "/a b"}}, Kind: metrics.KindCounter, Count: 5},
		{Name: "g", Kind: metrics.KindGaugeFloat64, Value: -0.5},
	}}
	var buf bytes.Buffer
	e := newExporter(t, console.Config{Writer: &buf})
	next := snap
	next.Time = textTime.Add(time.Second)
	exportAll(t, e, snap, next)
	blocks := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n-- ")
	if len(blocks) != 2 {
		t.Fatalf("%d headers:\n%s", len(blocks), buf.String())
	}
	for _, block := range blocks {
		lines := strings.Split(block, "\n")[1:]
		if len(lines) != len(snap.Series) {
			t.Fatalf("%d lines, want %d:\n%s", len(lines), len(snap.Series), block)
		}
		columns := map[string]int{} // where each labelled value and the tags start
		for _, l := range lines {
			if strings.TrimRight(l, " ") != l {
				t.Errorf("trailing spaces: %q", l)
			}
			for _, label := range []string{"p50 ", "p99 ", "max ", "k=", "stage=", "route="} {
				if i := strings.Index(l, label); i >= 0 {
					col := utf8.RuneCountInString(l[:i])
					if label[len(label)-1] == '=' {
						label = "tags"
					}
					if want, ok := columns[label]; ok && col != want {
						t.Errorf("%s at column %d, not %d:\n%s", label, col, want, block)
					}
					columns[label] = col
				}
			}
			// The totals and values end in one column.
			end := strings.Index(l, " (")
			if end < 0 {
				end = len(l)
			}
			if col := utf8.RuneCountInString(l[:end]); columns["total"] == 0 {
				columns["total"] = col
			} else if col != columns["total"] {
				t.Errorf("a total ends at column %d, not %d:\n%s", col, columns["total"], block)
			}
		}
	}
}

// Whatever a hand-built snapshot holds, each series stays on its line and
// each tag one key=value.
func TestTextQuotes(t *testing.T) {
	var buf bytes.Buffer
	e := newExporter(t, console.Config{Writer: &buf})
	exportAll(t, e, metrics.Snapshot{Time: textTime, Series: []metrics.Series{
		{Name: "bad\nname", Tags: []metrics.Tag{{Key: "k", Value: "a=b \"c\"\r"}}, Kind: metrics.KindGauge, Value: 1},
		{Name: "ok", Tags: []metrics.Tag{{Key: "k", Value: ""}}, Kind: metrics.KindGauge, Value: 2},
	}})
	want := `"bad\nname"  k="a=b \"c\"\r"  1
ok           k=""             2
`
	if got := buf.String(); !strings.HasSuffix(got, "\n"+want) || strings.Count(got, "\n") != 3 {
		t.Fatalf("got\n%s\nwant a header and\n%s", got, want)
	}
}

// The text format writes every series, counts one point per series and
// rejects nothing.
func TestTextPoints(t *testing.T) {
	var buf bytes.Buffer
	e := newExporter(t, console.Config{Writer: &buf})
	snap := metrics.Snapshot{Time: textTime, Series: []metrics.Series{
		{Name: "nan", Kind: metrics.KindGaugeFloat64, Value: math.NaN()},
		{Name: "inf.bytes", Kind: metrics.KindGaugeFloat64, Value: math.Inf(-1)},
		{Name: "odd", Kind: 42},
		{Name: "t", Kind: metrics.KindTimer, Count: 1, Summary: metrics.Summary{Count: 1}},
	}}
	if err := e.Export(context.Background(), snap); err != nil {
		t.Fatal(err)
	}
	if n := e.Points(snap); n != len(snap.Series) {
		t.Fatalf("Points = %d, want one per series", n)
	}
	for _, want := range []string{"\ninf.bytes  -InfB\n", "\nnan          NaN\n", "\nodd            ? (unknown kind 42)\n", "\nt              1 (+1)               p50 0s  p99 0s  max 0s\n"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, buf.String())
		}
	}
}

// A failed Write is retried from where it stopped, and the change in the
// next interval is counted from the retried snapshot, once.
func TestTextWriteErrorIsTransient(t *testing.T) {
	first := strings.Index(textOutput, "\n-- 2026-12-03 13:00:10")
	for _, limit := range []int{0, 1, 75, 200, first} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			w := &failingWriter{broken: true, limit: limit}
			e := newExporter(t, console.Config{Writer: w})
			snap := textSnapshot(0)
			if err := e.Export(context.Background(), snap); !errors.Is(err, errDiskFull) {
				t.Fatalf("error %v, want disk full", err)
			}
			w.set(false, 0)
			exportAll(t, e, snap, textSnapshot(1))
			if got := w.buf.String(); got != textOutput {
				t.Fatalf("got\n%s\nwant\n%s", got, textOutput)
			}
		})
	}
}

// A series that leaves the snapshots is forgotten: when it comes back, its
// count is not compared with the old one.
func TestTextForgetsSeries(t *testing.T) {
	var buf bytes.Buffer
	e := newExporter(t, console.Config{Writer: &buf})
	counter := metrics.Series{Name: "c", Kind: metrics.KindCounter, Count: 5}
	other := metrics.Series{Name: "d", Kind: metrics.KindCounter, Count: 1}
	at := func(step int, series ...metrics.Series) metrics.Snapshot {
		return metrics.Snapshot{Time: textTime.Add(time.Duration(step) * time.Second), Series: series}
	}
	counter2 := counter
	counter2.Count = 9
	exportAll(t, e, at(0, counter, other), at(1, other), at(2, counter2, other), at(3, counter2))
	got := buf.String()
	for _, want := range []string{
		"interval 1s -", "\nd  1 (+0, 0/s)\n", // the second snapshot
		"\nc  9\nd  1 (+0, 0/s)\n", // the third: c is new again
		"\nc  9 (+0, 0/s)\n",       // the fourth
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestTextEmpty(t *testing.T) {
	var buf bytes.Buffer
	e := newExporter(t, console.Config{Writer: &buf})
	exportAll(t, e, metrics.Snapshot{Time: textTime})
	want := "-- 2026-12-03 13:00:00 UTC " + strings.Repeat("-", 33) + "\n"
	if buf.String() != want {
		t.Fatalf("got %q, want %q", buf.String(), want)
	}
	buf.Reset()
	exportAll(t, e, metrics.Snapshot{Time: textTime.Add(time.Minute), Series: []metrics.Series{{Name: "go.goroutines", Kind: metrics.KindGauge, Value: 3}}})
	want = "-- 2026-12-03 13:01:00 UTC  interval 1m0s " + strings.Repeat("-", 18) + "\n-- go: goroutines 3\n"
	if buf.String() != want {
		t.Fatalf("got %q, want %q", buf.String(), want)
	}
	// A header longer than the lines still ends in dashes.
	buf.Reset()
	exportAll(t, e, metrics.Snapshot{Time: textTime.Add(2 * time.Minute), DefaultTags: []metrics.Tag{
		{Key: "host", Value: "a-rather-long-host-name.example.com"}, {Key: "service", Value: "alerts"}}})
	want = "-- 2026-12-03 13:02:00 UTC  interval 1m0s  host=a-rather-long-host-name.example.com service=alerts ---\n"
	if buf.String() != want {
		t.Fatalf("got %q, want %q", buf.String(), want)
	}
}

// The SDK's lines wrap before 120 columns and group by tags.
func TestTextSDKLines(t *testing.T) {
	snap := metrics.Snapshot{Time: textTime}
	for _, exporter := range []string{"postgres", "console"} {
		for _, name := range []string{"exported", "rejected", "dropped", "retries", "queue", "other", "more", "and.more"} {
			snap.Series = append(snap.Series, metrics.Series{Name: "vitals.exporter." + name, Kind: metrics.KindCounter, Count: 1234567,
				Tags: []metrics.Tag{{Key: "exporter", Value: exporter}}})
		}
	}
	snap.Series = append(snap.Series, metrics.Series{Name: "vitals.registry.refused", Kind: metrics.KindCounter})
	var buf bytes.Buffer
	e := newExporter(t, console.Config{Writer: &buf})
	exportAll(t, e, snap)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")[1:]
	want := []string{
		"-- vitals: registry.refused 0",
		"-- vitals.exporter exporter=console: exported 1,234,567  rejected 1,234,567  dropped 1,234,567  retries 1,234,567",
		"   queue 1,234,567  other 1,234,567  more 1,234,567  and.more 1,234,567",
		"-- vitals.exporter exporter=postgres: exported 1,234,567  rejected 1,234,567  dropped 1,234,567  retries 1,234,567",
		"   queue 1,234,567  other 1,234,567  more 1,234,567  and.more 1,234,567",
	}
	if !slices.Equal(lines, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}
