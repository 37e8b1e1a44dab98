package tsdb

import (
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// Point is one OpenTSDB data point.
type Point struct {
	Metric string
	Time   time.Time // the snapshot's time
	Value  float64
	// Tags are sorted by key, sanitized, at least one. Flatten gives all the
	// points of one series the same slice, which may also be the snapshot's
	// own; treat it as read-only.
	Tags []metrics.Tag
}

// Naming chooses the metric names of a series' fields.
type Naming uint8

const (
	// NamingVitals names fields <name>.<field>: count, value, min, max,
	// mean, stddev, p50, p75, p95, p99, p999, rate1, rate5, rate15,
	// rate_mean.
	NamingVitals Naming = iota
	// NamingGoMetrics uses the names of go-metrics' OpenTSDB exporter:
	// count, value, min, max, mean, std-dev, 50-percentile, 75-percentile,
	// 95-percentile, 99-percentile, 999-percentile, one-minute, five-minute,
	// fifteen-minute, and for the mean rate "mean" on meters but "mean-rate"
	// on timers, as go-metrics writes them.
	NamingGoMetrics
)

// Options say how Flatten names and scales points. The zero value is
// vitals' naming, milliseconds, 8 tags and no prefix.
type Options struct {
	Naming       Naming        // an unknown Naming is NamingVitals
	DurationUnit time.Duration // timers' min, max, mean, stddev and quantiles are divided by it; 0 (or less) means time.Millisecond
	MaxTags      int           // 0 (or less) means 8, OpenTSDB's default tsd.storage.max_tags
	Prefix       string        // prepended as "<prefix>." to every metric, after Sanitize; "" for none
}

// DefaultMaxTags is OpenTSDB's default tsd.storage.max_tags.
const DefaultMaxTags = 8

func (o Options) normalized() Options {
	if o.Naming != NamingGoMetrics {
		o.Naming = NamingVitals
	}
	if o.DurationUnit <= 0 {
		o.DurationUnit = time.Millisecond
	}
	if o.MaxTags <= 0 {
		o.MaxTags = DefaultMaxTags
	}
	return o
}
