package livepage

import (
	"bytes"
	"context"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/metrics"
)

// A State response is written in two parts: the history's part, which
// changes only with a new snapshot and is cached (see Page.historyPart),
// and the health and exporters, asked for on every response (see
// appendLive).

// healthBudget bounds the wait for the health report.
const healthBudget = 2 * time.Second

// appendHistory appends the history's fields of a State, without the
// closing brace: seq, epoch, full, interval_ms, window_ms, dropped_series, times
// and series.
func appendHistory(b []byte, v *view, interval, window int64) []byte {
	b = slices.Grow(b, estimateSize(v))
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, v.seq, 10)
	b = append(b, `,"epoch":`...)
	b = strconv.AppendUint(b, v.epoch, 10)
	b = append(b, `,"full":`...)
	b = strconv.AppendBool(b, v.full)
	b = append(b, `,"interval_ms":`...)
	b = strconv.AppendInt(b, interval, 10)
	b = append(b, `,"window_ms":`...)
	b = strconv.AppendInt(b, window, 10)
	b = append(b, `,"dropped_series":`...)
	b = strconv.AppendInt(b, int64(v.dropped), 10)
	b = append(b, `,"times":[`...)
	for i, t := range v.times {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, t, 10)
	}
	b = append(b, `],"series":[`...)
	fromSeq := v.seq - uint64(len(v.times)) + 1
	for i := range v.series {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendSeries(b, &v.series[i], v.dts, fromSeq)
	}
	return append(b, ']')
}

// estimateSize returns about the size of v in JSON, a little more than
// most: 8 bytes per number, 200 per series.
func estimateSize(v *view) int {
	n := 200 + 14*len(v.times)
	for _, sv := range v.series {
		n += 200 + 8*(len(sv.vals)+3*len(sv.counts))
	}
	return n
}

// appendSeries appends one series of a State whose first snapshot is
// fromSeq, dts[i] ms after the one before.
func appendSeries(b []byte, sv *seriesView, dts []int64, fromSeq uint64) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, sv.ser.id)
	b = append(b, `,"name":`...)
	b = appendString(b, sv.ser.name)
	b = append(b, `,"tags":{`...)
	for i, t := range sv.ser.tags {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, t.Key)
		b = append(b, ':')
		b = appendString(b, t.Value)
	}
	b = append(b, `},"kind":`...)
	b = appendString(b, sv.ser.kind.String())
	b = append(b, `,"unit":`...)
	b = appendString(b, sv.ser.unit)
	b = append(b, `,"lines":{`...)
	switch sv.ser.kind {
	case metrics.KindCounter, metrics.KindMeter:
		b = append(b, `"rate":`...)
		b = appendFloats(b, sv.vals)
	case metrics.KindHistogram, metrics.KindTimer:
		b = append(b, `"p50":`...)
		b = appendQuantiles(b, sv.p50)
		b = append(b, `,"p99":`...)
		b = appendQuantiles(b, sv.p99)
		b = append(b, `,"rate":[`...)
		for i, code := range sv.counts {
			if i > 0 {
				b = append(b, ',')
			}
			// The first interval of a series began when it was
			// registered, or when the registry was created: not dts[i]
			// ago. It has no rate, as a counter's first has none.
			c, ok := decodeCount(code)
			if !ok || fromSeq+uint64(i) == sv.ser.firstSeq {
				c = math.NaN()
			}
			b = appendNumber(b, c*1000/float64(dts[i]))
		}
		b = append(b, ']')
	default:
		b = append(b, `"value":`...)
		b = appendFloats(b, sv.vals)
	}
	return append(b, "}}"...)
}

// appendFloats appends vals as a JSON array, NaN as null.
func appendFloats(b []byte, vals []float32) []byte {
	b = append(b, '[')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendNumber(b, float64(v))
	}
	return append(b, ']')
}

// appendQuantiles appends quantile codes as a JSON array of values, the
// null code as null.
func appendQuantiles(b []byte, codes []uint16) []byte {
	b = append(b, '[')
	for i, c := range codes {
		if i > 0 {
			b = append(b, ',')
		}
		v, ok := decodeQuantile(c)
		if !ok {
			v = math.NaN()
		}
		b = appendQuantile(b, v)
	}
	return append(b, ']')
}

// appendLive appends the rest of a State after appendHistory: the health
// report and the exporters' state, as they are now, and the closing brace.
func (p *Page) appendLive(ctx context.Context, b []byte) []byte {
	status, text := "UNKNOWN", ""
	if p.health != nil {
		ctx, cancel := context.WithTimeout(ctx, healthBudget)
		r := p.health(ctx)
		cancel()
		var buf bytes.Buffer
		_ = r.WriteText(&buf) // a bytes.Buffer does not fail
		status, text = r.Status.String(), buf.String()
	}
	b = append(b, `,"health":{"status":`...)
	b = appendString(b, status)
	b = append(b, `,"text":`...)
	b = appendString(b, text)
	b = append(b, `},"exporters":[`...)
	if p.exporters != nil {
		for i, e := range p.exporters() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendExporter(b, &e)
		}
	}
	return append(b, "]}"...)
}

// appendExporter appends one exporter's state; its times in unix ms, 0 for
// never.
func appendExporter(b []byte, e *exporters.ExporterHealth) []byte {
	b = append(b, `{"name":`...)
	b = appendString(b, e.Name)
	for _, f := range [...]struct {
		key string
		v   int64
	}{
		{"queued", int64(e.Queued)}, {"exported", e.Exported}, {"rejected", e.Rejected},
		{"dropped", e.Dropped}, {"retries", e.Retries},
		{"last_error_at", unixMilli(e.LastErrorAt)}, {"last_success", unixMilli(e.LastSuccess)},
	} {
		b = appendKey(b, f.key, false)
		b = strconv.AppendInt(b, f.v, 10)
	}
	b = append(b, `,"last_error":`...)
	b = appendString(b, e.LastError)
	return append(b, '}')
}

// unixMilli returns t in unix ms, 0 for the zero time.
func unixMilli(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
