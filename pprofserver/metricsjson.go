package pprofserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// metricsHandler serves /debug/metrics: the registry read with Peek, which
// leaves the histogram interval running, so looking here never takes values
// away from the exporters.
type metricsHandler struct{ reg *metrics.Registry }

func (h metricsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b bytes.Buffer
	if err := encodeMetrics(&b, h.reg.Peek()); err != nil {
		serveError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

// The JSON of a series. Which fields are present depends on the kind, as in
// metrics.Series: count for counters, meters, histograms and timers; value
// for gauges; rates for meters and timers; summary for histograms and
// timers. Buckets are left out: this page is for people and scripts, the
// exporters carry the buckets.
type seriesJSON struct {
	Name    string            `json:"name"`
	Tags    map[string]string `json:"tags,omitempty"`
	Kind    string            `json:"kind"`
	Unit    string            `json:"unit,omitempty"`
	Count   *int64            `json:"count,omitempty"`
	Value   *jsonFloat        `json:"value,omitempty"`
	Rates   *ratesJSON        `json:"rates,omitempty"`
	Summary *summaryJSON      `json:"summary,omitempty"`
}

type ratesJSON struct {
	Rate1  jsonFloat `json:"rate1"`
	Rate5  jsonFloat `json:"rate5"`
	Rate15 jsonFloat `json:"rate15"`
	Mean   jsonFloat `json:"mean"`
}

type summaryJSON struct {
	Count  int64     `json:"count"`
	Sum    int64     `json:"sum"`
	Min    int64     `json:"min"`
	Max    int64     `json:"max"`
	Mean   jsonFloat `json:"mean"`
	StdDev jsonFloat `json:"stddev"`
	P50    jsonFloat `json:"p50"`
	P75    jsonFloat `json:"p75"`
	P95    jsonFloat `json:"p95"`
	P99    jsonFloat `json:"p99"`
	P999   jsonFloat `json:"p999"`
}

// jsonFloat is a float64 that encodes NaN and infinities, which JSON cannot
// hold, as null.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	if v := float64(f); math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(f))
}

// encodeMetrics writes snap as one JSON object with one series per line,
// sorted by name and then tags, so that it reads and greps well:
//
//	{"time":"2026-01-02T15:04:05.123Z","default_tags":{"host":"a"},"series":[
//	{"name":"jobs.done","tags":{"queue":"base"},"kind":"counter","count":3},
//	{"name":"query.latency","kind":"timer","unit":"ns","count":100,"rates":{...},"summary":{...}}
//	]}
func encodeMetrics(w io.Writer, snap metrics.Snapshot) error {
	series := slices.Clone(snap.Series)
	slices.SortStableFunc(series, func(a, b metrics.Series) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return slices.CompareFunc(a.Tags, b.Tags, func(x, y metrics.Tag) int {
			if c := strings.Compare(x.Key, y.Key); c != 0 {
				return c
			}
			return strings.Compare(x.Value, y.Value)
		})
	})

	bw := bufio.NewWriter(w)
	header, err := json.Marshal(struct {
		Time        string            `json:"time"`
		DefaultTags map[string]string `json:"default_tags"`
	}{snap.Time.UTC().Format(time.RFC3339Nano), tagMap(snap.DefaultTags)})
	if err != nil {
		return err
	}
	bw.Write(header[:len(header)-1]) // without its closing brace
	bw.WriteString(`,"series":[`)
	for i, s := range series {
		line, err := json.Marshal(seriesToJSON(s))
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
		bw.Write(line)
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

func seriesToJSON(s metrics.Series) seriesJSON {
	out := seriesJSON{Name: s.Name, Tags: tagMap(s.Tags), Kind: s.Kind.String(), Unit: s.Unit}
	switch s.Kind {
	case metrics.KindGauge, metrics.KindGaugeFloat64:
		v := jsonFloat(s.Value)
		out.Value = &v
	default:
		out.Count = &s.Count
	}
	if s.Kind == metrics.KindMeter || s.Kind == metrics.KindTimer {
		out.Rates = &ratesJSON{
			Rate1: jsonFloat(s.Rates.Rate1), Rate5: jsonFloat(s.Rates.Rate5),
			Rate15: jsonFloat(s.Rates.Rate15), Mean: jsonFloat(s.Rates.Mean),
		}
	}
	if s.Kind == metrics.KindHistogram || s.Kind == metrics.KindTimer {
		m := s.Summary
		out.Summary = &summaryJSON{
			Count: m.Count, Sum: m.Sum, Min: m.Min, Max: m.Max,
			Mean: jsonFloat(m.Mean), StdDev: jsonFloat(m.StdDev),
			P50: jsonFloat(m.P50), P75: jsonFloat(m.P75), P95: jsonFloat(m.P95),
			P99: jsonFloat(m.P99), P999: jsonFloat(m.P999),
		}
	}
	return out
}

// tagMap turns sorted tags into a JSON object; encoding/json writes map
// keys sorted, so the order is kept. It is never nil, so that no default
// tags read as {} (a series' empty tags are omitted).
func tagMap(tags []metrics.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}
