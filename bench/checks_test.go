package bench

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// TestLatencies checks that the realistic stream is what inputs_test.go says:
// a median near 2 ms, a p99 near 20 ms, nothing under 1 µs.
func TestLatencies(t *testing.T) {
	if len(latencies) != latencyMask+1 {
		t.Fatalf("%d latencies, want %d", len(latencies), latencyMask+1)
	}
	sorted := slices.Clone(latencies)
	slices.Sort(sorted)
	median := time.Duration(sorted[len(sorted)/2])
	p99 := time.Duration(sorted[len(sorted)*99/100])
	t.Logf("min %v, median %v, p99 %v, max %v", time.Duration(sorted[0]), median, p99, time.Duration(sorted[len(sorted)-1]))
	if sorted[0] < 1e3 || median < 1800*time.Microsecond || median > 2200*time.Microsecond || p99 < 16*time.Millisecond || p99 > 25*time.Millisecond {
		t.Fatalf("median %v, p99 %v: not the documented distribution", median, p99)
	}
}

// TestOtelHistograms checks that the OpenTelemetry histograms get the
// aggregation their entries are named for, and logs the scale the
// exponential one settles at for each stream.
func TestOtelHistograms(t *testing.T) {
	ctx := context.Background()
	set := attribute.NewSet(attribute.String("queue", "base"))
	for _, stream := range []struct {
		name   string
		values []int64
	}{{"realistic", latencies}, {"wide-range", wideRangeLatencies}} {
		meter, reader := otelMeter(t)
		h := must(meter.Int64Histogram("latency", metric.WithExplicitBucketBoundaries(promBucketsNanos...)))
		expMeter, expReader := otelMeter(t, otelExponential)
		eh := must(expMeter.Int64Histogram("latency", metric.WithExplicitBucketBoundaries(promBucketsNanos...)))
		for _, v := range stream.values {
			h.Record(ctx, v, metric.WithAttributeSet(set))
			eh.Record(ctx, v, metric.WithAttributeSet(set))
		}
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(ctx, &rm); err != nil {
			t.Fatal(err)
		}
		explicit, ok := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Histogram[int64])
		if !ok || len(explicit.DataPoints[0].BucketCounts) != classicBucketCount+1 || explicit.DataPoints[0].Count != uint64(len(stream.values)) {
			t.Fatalf("%s: explicit histogram is %#v", stream.name, rm.ScopeMetrics[0].Metrics[0].Data)
		}
		if err := expReader.Collect(ctx, &rm); err != nil {
			t.Fatal(err)
		}
		exp, ok := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.ExponentialHistogram[int64])
		if !ok || exp.DataPoints[0].Count != uint64(len(stream.values)) {
			t.Fatalf("%s: exponential histogram is %#v", stream.name, rm.ScopeMetrics[0].Metrics[0].Data)
		}
		t.Logf("%s: exponential scale %d, %d buckets", stream.name, exp.DataPoints[0].Scale, len(exp.DataPoints[0].PositiveBucket.Counts))
	}
}
