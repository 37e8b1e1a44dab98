package metrics

import (
	gometrics "github.com/rcrowley/go-metrics"
)

var _ gometrics.Histogram = (*Histogram)(nil)

// Histogram records the distribution of int64 values, such as batch sizes,
// in log-scaled buckets: every quantile is within 1% of the exact value,
// memory stays bounded, and bucket counts merge exactly across hosts and
// intervals. Update is lock-free and does not allocate.
//
// A snapshot exports the values recorded since the previous snapshot (count,
// sum, min, max, mean, standard deviation, quantiles and buckets) and the
// cumulative count. Reading the handle (Percentile, Mean, ...) shows the
// values recorded since the last snapshot without disturbing it; Count and
// Sum are cumulative.
type Histogram struct {
	dist distribution
}

// Histogram returns the histogram with this name and tags, registering it if
// it is new. See Registry for what happens to invalid input.
func (r *Registry) Histogram(name string, tags Tags) *Histogram {
	h, _ := r.HistogramE(name, tags)
	return h
}

// HistogramE is Histogram that also returns why a registration was refused.
func (r *Registry) HistogramE(name string, tags Tags) (*Histogram, error) {
	return getAs(r, KindHistogram, name, tags, r.newHistogram)
}

func (r *Registry) newHistogram() *Histogram { return new(Histogram) }

// Update records a value. Values <= 0 share one bucket whose quantile is 0;
// they still count exactly in Count, Sum and Min.
func (h *Histogram) Update(v int64) { h.dist.record(v) }

// Count returns the number of values recorded since creation.
func (h *Histogram) Count() int64 { return h.dist.totalCount() }

// Sum returns the sum of the values recorded since creation.
func (h *Histogram) Sum() int64 { return h.dist.totalSum() }

// Min returns the smallest value recorded since the last snapshot.
func (h *Histogram) Min() int64 { return h.dist.peek().Min }

// Max returns the largest value recorded since the last snapshot.
func (h *Histogram) Max() int64 { return h.dist.peek().Max }

// Mean returns the mean of the values recorded since the last snapshot.
func (h *Histogram) Mean() float64 { return h.dist.peek().Mean() }

// StdDev returns the standard deviation of the values recorded since the
// last snapshot.
func (h *Histogram) StdDev() float64 { return h.dist.peek().StdDev() }

// Variance returns the variance of the values recorded since the last
// snapshot.
func (h *Histogram) Variance() float64 { return h.dist.peek().Variance() }

// Percentile returns quantile q (0.99 for the 99th percentile) of the values
// recorded since the last snapshot.
func (h *Histogram) Percentile(q float64) float64 { return h.dist.peek().Quantile(q) }

// Percentiles returns the quantiles qs (0.5, 0.99, ...) of the values
// recorded since the last snapshot.
func (h *Histogram) Percentiles(qs []float64) []float64 { return quantiles(h.dist.peek(), qs) }

// Clear forgets every value, including the cumulative count and sum.
func (h *Histogram) Clear() { h.dist.clear() }

// Sample returns a read-only view of the values since the last snapshot, for
// go-metrics code. A histogram keeps bucket counts, not values, so the
// view's Values returns nil and its Size is the number of values.
func (h *Histogram) Sample() gometrics.Sample { return &distributionSample{view(h.dist.peek())} }

// Snapshot returns a read-only copy, for go-metrics code.
func (h *Histogram) Snapshot() gometrics.Histogram {
	return &histogramSnapshot{view(h.dist.peek())}
}

func quantiles(d Distribution, qs []float64) []float64 {
	out := make([]float64, len(qs))
	for i, q := range qs {
		out[i] = d.Quantile(q)
	}
	return out
}
