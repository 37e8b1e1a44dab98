package metrics

import (
	"fmt"
	"math"
	"strings"
	"unicode"

	gometrics "github.com/rcrowley/go-metrics"
)

// attachment is a legacy go-metrics registry exported with fixed tags.
type attachment struct {
	legacy gometrics.Registry
	tags   []Tag
}

// AttachGoMetrics exports every metric of a go-metrics registry with this
// registry's snapshots, each as a series of the given tags. Its names are
// used as they are, except that characters a vitals name may not hold are
// replaced by '_' (go-metrics never validated them, and there is no caller
// to hand an error to). Its histograms and timers export go-metrics' own
// reservoir statistics, without buckets. Invalid tags are refused.
func (r *Registry) AttachGoMetrics(legacy gometrics.Registry, tags Tags) error {
	sorted := sortedTags(tags)
	if err := validate("attached", sorted); err != nil {
		return fmt.Errorf("metrics: AttachGoMetrics: %w: %s", ErrInvalid, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attached = append(r.attached, attachment{legacy: legacy, tags: sorted})
	return nil
}

// appendSeries reads every legacy metric into series.
func (a attachment) appendSeries(out []Series, r *Registry) []Series {
	a.legacy.Each(func(name string, metric any) {
		s := Series{Name: sanitizeName(name), Tags: a.tags}
		switch m := metric.(type) {
		case gometrics.Counter:
			s.Kind, s.Count = KindCounter, m.Snapshot().Count()
		case gometrics.Gauge:
			s.Kind, s.Value = KindGauge, float64(m.Snapshot().Value())
		case gometrics.GaugeFloat64:
			v := m.Snapshot().Value()
			if math.IsNaN(v) || math.IsInf(v, 0) {
				r.stats.refuseValue(nil, KindGaugeFloat64, s.Name, s.Tags, refusedFloat(v), r.now())
				return
			}
			s.Kind, s.Value = KindGaugeFloat64, v
		case gometrics.Meter:
			ms := m.Snapshot()
			s.Kind, s.Count = KindMeter, ms.Count()
			s.Rates = Rates{Rate1: ms.Rate1(), Rate5: ms.Rate5(), Rate15: ms.Rate15(), Mean: ms.RateMean()}
		case gometrics.Histogram:
			hs := m.Snapshot()
			s.Kind, s.Count = KindHistogram, hs.Count()
			s.Summary = legacySummary(hs)
		case gometrics.Timer:
			ts := m.Snapshot()
			s.Kind, s.Count, s.Unit = KindTimer, ts.Count(), "ns"
			s.Rates = Rates{Rate1: ts.Rate1(), Rate5: ts.Rate5(), Rate15: ts.Rate15(), Mean: ts.RateMean()}
			s.Summary = legacySummary(ts)
		default:
			return // healthchecks and EWMAs have nothing to export
		}
		out = append(out, s)
	})
	return out
}

// legacyStats is what go-metrics' histogram and timer snapshots share.
type legacyStats interface {
	Count() int64
	Sum() int64
	Min() int64
	Max() int64
	Mean() float64
	StdDev() float64
	Percentiles([]float64) []float64
}

func legacySummary(h legacyStats) Summary {
	p := h.Percentiles([]float64{0.5, 0.75, 0.95, 0.99, 0.999})
	return Summary{
		Count: h.Count(), Sum: h.Sum(), Min: h.Min(), Max: h.Max(),
		Mean: h.Mean(), StdDev: h.StdDev(),
		P50: p[0], P75: p[1], P95: p[2], P99: p[3], P999: p[4],
	}
}

// sanitizeName replaces what validName refuses with '_'.
func sanitizeName(name string) string {
	if validName("name", name) == nil {
		return name
	}
	if name == "" {
		return "_"
	}
	var b strings.Builder
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '-', c == '_', c == '.', c == '/', c > unicode.MaxASCII && unicode.IsLetter(c):
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= maxNameLen {
			break
		}
	}
	return b.String()
}
