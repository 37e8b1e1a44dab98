package main

import (
	"encoding/json"
	"io"
	"math"
	"time"

	"github.com/vitals-go/vitals/compare"
)

// The JSON of `vitals compare -json`. Numbers that do not exist (the
// p-value and effect of an untested field) are null.
type (
	jsonReport struct {
		// Regressed says whether any line regressed: the exit status is 3.
		Regressed   bool             `json:"regressed"`
		Alpha       float64          `json:"alpha"`
		MinEffect   float64          `json:"min_effect"`
		Comparisons []jsonComparison `json:"comparisons"`
		// Ranking is every line of every comparison with its worst field,
		// the largest regression first (see compare.Rank).
		Ranking []jsonRanked  `json:"ranking"`
		Skipped []jsonSkipped `json:"skipped,omitempty"`
	}
	jsonComparison struct {
		Service string            `json:"service"`
		Metric  string            `json:"metric"`
		Tags    map[string]string `json:"tags,omitempty"`
		Unit    string            `json:"unit,omitempty"` // "ns" for timers
		Before  jsonSide          `json:"before"`
		After   jsonSide          `json:"after"`
		Lines   []jsonLine        `json:"lines"`
	}
	jsonSide struct {
		Release         string     `json:"release,omitempty"`
		From            time.Time  `json:"from"`
		To              time.Time  `json:"to"`
		DurationSeconds float64    `json:"duration_seconds"` // the rates are over it
		FlushSeconds    float64    `json:"flush_seconds"`
		Hosts           []jsonHost `json:"hosts,omitempty"`
	}
	jsonHost struct {
		Host string    `json:"host"`
		From time.Time `json:"from"`
		To   time.Time `json:"to"`
	}
	jsonLine struct {
		Tags            map[string]string     `json:"tags"`
		BeforeIntervals int                   `json:"before_intervals"`
		AfterIntervals  int                   `json:"after_intervals"`
		Changes         map[string]jsonChange `json:"changes"`
	}
	jsonChange struct {
		Before       *float64 `json:"before"`
		After        *float64 `json:"after"`
		Abs          *float64 `json:"abs"`
		Rel          *float64 `json:"rel"`
		PValue       *float64 `json:"p_value"`
		Effect       *float64 `json:"effect"`
		BeforeValues int      `json:"before_values"`
		AfterValues  int      `json:"after_values"`
		WorseWhen    string   `json:"worse_when,omitempty"` // higher, lower or either
		Verdict      string   `json:"verdict"`              // untested, unchanged, better or worse
	}
	jsonRanked struct {
		Metric  string            `json:"metric"`
		Tags    map[string]string `json:"tags,omitempty"`
		Field   string            `json:"field,omitempty"`
		Effect  *float64          `json:"effect"`
		PValue  *float64          `json:"p_value"`
		Verdict string            `json:"verdict"`
	}
	jsonSkipped struct {
		Metric string `json:"metric"`
		Reason string `json:"reason"`
	}
)

// writeJSON writes cmps (and the metrics -all skipped) as one jsonReport.
func writeJSON(w io.Writer, cmps []*compare.Comparison, skipped []skippedMetric, j compare.Judge) error {
	r := jsonReport{Alpha: j.Alpha, MinEffect: j.MinEffect, Comparisons: []jsonComparison{}, Ranking: []jsonRanked{}}
	for _, c := range cmps {
		jc := jsonComparison{Service: c.Query.Service, Metric: c.Query.Metric, Tags: c.Query.Tags,
			Before: sideJSON(c.Query.Before, c.Before), After: sideJSON(c.Query.After, c.After), Lines: []jsonLine{}}
		if c.Unit > 0 {
			jc.Unit = unitName(c.Unit)
		}
		for _, l := range c.Series {
			jl := jsonLine{Tags: l.Tags, BeforeIntervals: l.Before.Intervals, AfterIntervals: l.After.Intervals,
				Changes: map[string]jsonChange{}}
			for f, ch := range l.Changes {
				jl.Changes[string(f)] = jsonChange{Before: num(l.Before.Value(f)), After: num(l.After.Value(f)),
					Abs: num(ch.Abs), Rel: num(ch.Rel), PValue: num(ch.PValue), Effect: num(ch.Effect),
					BeforeValues: ch.BeforeValues, AfterValues: ch.AfterValues,
					WorseWhen: ch.WorseWhen.String(), Verdict: ch.Verdict.String()}
			}
			jc.Lines = append(jc.Lines, jl)
		}
		r.Comparisons = append(r.Comparisons, jc)
	}
	for _, rk := range compare.Rank(cmps) {
		r.Regressed = r.Regressed || rk.Change.Verdict == compare.Worse
		r.Ranking = append(r.Ranking, jsonRanked{Metric: rk.Comparison.Query.Metric, Tags: rk.Comparison.Series[rk.Line].Tags,
			Field: string(rk.Field), Effect: num(rk.Change.Effect), PValue: num(rk.Change.PValue), Verdict: rk.Change.Verdict.String()})
	}
	for _, s := range skipped {
		r.Skipped = append(r.Skipped, jsonSkipped{Metric: s.name, Reason: s.reason})
	}
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(r)
}

// sideJSON is the JSON of a side and its span.
func sideJSON(s compare.Side, sp compare.Span) jsonSide {
	js := jsonSide{Release: s.Release, From: sp.From.UTC(), To: sp.To.UTC(),
		DurationSeconds: sp.Duration.Seconds(), FlushSeconds: sp.Flush.Seconds()}
	for _, h := range sp.Hosts {
		js.Hosts = append(js.Hosts, jsonHost{Host: h.Host, From: h.Start.UTC(), To: h.End.UTC()})
	}
	return js
}

// num is v, or nil when it is not a finite number, which JSON cannot hold.
func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
