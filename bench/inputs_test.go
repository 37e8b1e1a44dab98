package bench

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uber-go/tally/v4"
)

// latencies are the histogram and timer inputs, in nanoseconds: 4,096
// values drawn from a log-normal distribution with a median of 2 ms and a
// sigma of 1.0 in natural-log space (p99 ≈ 2 ms * e^2.33 ≈ 20 ms), fixed
// seed, clamped to at least 1 µs. Loops index it with &latencyMask.
//
// Why this stream: real service latencies cluster around a median with a
// long tail, which is what a log-normal gives. The stream used before, 1,024
// log-uniform values over 7 decades, was both unrealistic and short enough
// for the CPU's branch predictor to learn the whole cycle, which flatters
// binary-search bucketing: tally measured 19 ns per update with 1,024 values
// and 47 ns with 4,096 of the same distribution on this machine. 4,096 is a
// power of two so that the index is a mask, not a division.
var latencies = func() []int64 {
	const (
		n      = 4096
		median = 2e6 // ns
		sigma  = 1.0
		floor  = 1e3 // 1 µs
	)
	out := make([]int64, n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range out {
		out[i] = int64(max(median*math.Exp(sigma*rng.NormFloat64()), floor))
	}
	return out
}()

const latencyMask = 4095 // len(latencies) - 1

// parallelStart is where a RunParallel goroutine starts in latencies: a
// random place, so that concurrent goroutines record independent values, as
// concurrent requests do. Starting all of them at 0 would have them record
// the same values in near lockstep, every update contending for the same
// bucket, which measures the benchmark's coincidence rather than the library.
func parallelStart() int { return rand.IntN(len(latencies)) }

// latencySeconds and latencyFloats are latencies converted once, so that the
// libraries taking float64 are not timed doing the conversion.
var (
	latencyFloats  = convert(latencies, func(v int64) float64 { return float64(v) })
	latencySeconds = convert(latencies, func(v int64) float64 { return time.Duration(v).Seconds() })
)

// wideRangeLatencies are 2,000 log-uniform values over 1 µs..10 s in
// nanoseconds, both ends included: the generator of metrics'
// distLatencyValues (seed 7). They touch every bucket range of every library,
// the worst case for memory (issue #2's "<= 4 KiB per latency histogram
// spanning 1 µs..10 s"); see BenchmarkHistogramMemoryWideRange.
var wideRangeLatencies = func() []int64 {
	r := rand.New(rand.NewPCG(7, 42))
	values := []int64{1e3, 1e10}
	for len(values) < 2000 {
		values = append(values, int64(math.Pow(10, 3+7*r.Float64())))
	}
	return values
}()

func convert(in []int64, f func(int64) float64) []float64 {
	out := make([]float64, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// Classic (fixed-bucket) histograms, tally's, client_golang's and
// OpenTelemetry's explicit-bucket ones, get 25 exponential buckets of factor
// 2 from 1 µs: the last finite bound is 1 µs * 2^24 ≈ 16.8 s, so 1 µs..10 s is
// covered. That is a worst-case relative error of up to 50% per bucket,
// against 1% for vitals, ~6% for VictoriaMetrics, ~4.5% for a native
// histogram of factor 1.1 (schema 3, 2^(1/8) ≈ 1.09) and, for OpenTelemetry's
// exponential histogram, whatever scale 160 buckets allow: scale 3 (the same
// 2^(1/8)) for the log-normal stream, scale 2 (2^(1/4) ≈ 1.19, ~9%) over
// 1 µs..10 s (TestOtelHistograms logs them).
const (
	classicBucketCount  = 25
	classicBucketFactor = 2
	nativeBucketFactor  = 1.1
)

var (
	promBucketsNanos   = prometheus.ExponentialBuckets(1e3, classicBucketFactor, classicBucketCount)
	promBucketsSeconds = prometheus.ExponentialBuckets(1e-6, classicBucketFactor, classicBucketCount)
	tallyBucketsNanos  = tally.MustMakeExponentialValueBuckets(1e3, classicBucketFactor, classicBucketCount)
	tallyBucketsDur    = tally.MustMakeExponentialDurationBuckets(time.Microsecond, classicBucketFactor, classicBucketCount)
)
