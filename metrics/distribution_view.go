package metrics

import (
	"time"

	gometrics "github.com/rcrowley/go-metrics"
)

// distributionView answers go-metrics' read methods from a Distribution, for
// the read-only copies that go-metrics' Snapshot and Sample methods return.
// Count and Sum are cumulative, as on the live handles.
type distributionView struct{ d Distribution }

func view(d Distribution) distributionView { return distributionView{d} }

func (v distributionView) Count() int64                       { return v.d.TotalCount }
func (v distributionView) Sum() int64                         { return v.d.TotalSum }
func (v distributionView) Min() int64                         { return v.d.Min }
func (v distributionView) Max() int64                         { return v.d.Max }
func (v distributionView) Mean() float64                      { return v.d.Mean() }
func (v distributionView) StdDev() float64                    { return v.d.StdDev() }
func (v distributionView) Variance() float64                  { return v.d.Variance() }
func (v distributionView) Percentile(q float64) float64       { return v.d.Quantile(q) }
func (v distributionView) Percentiles(qs []float64) []float64 { return quantiles(v.d, qs) }

// Writes to a read-only copy are ignored, where go-metrics' own snapshots
// panic: a metrics library must not.
func (distributionView) Clear()       {}
func (distributionView) Update(int64) {}

type histogramSnapshot struct{ distributionView }

func (s *histogramSnapshot) Sample() gometrics.Sample      { return &distributionSample{s.distributionView} }
func (s *histogramSnapshot) Snapshot() gometrics.Histogram { return s }

type distributionSample struct{ distributionView }

func (s *distributionSample) Size() int                  { return int(s.d.Count) }
func (s *distributionSample) Values() []int64            { return nil }
func (s *distributionSample) Snapshot() gometrics.Sample { return s }

type timerSnapshot struct {
	distributionView
	rates Rates
}

func (s *timerSnapshot) Rate1() float64            { return s.rates.Rate1 }
func (s *timerSnapshot) Rate5() float64            { return s.rates.Rate5 }
func (s *timerSnapshot) Rate15() float64           { return s.rates.Rate15 }
func (s *timerSnapshot) RateMean() float64         { return s.rates.Mean }
func (s *timerSnapshot) Snapshot() gometrics.Timer { return s }
func (s *timerSnapshot) Stop()                     {}
func (s *timerSnapshot) Time(f func())             { f() }
func (s *timerSnapshot) Update(time.Duration)      {}
func (s *timerSnapshot) UpdateSince(time.Time)     {}
