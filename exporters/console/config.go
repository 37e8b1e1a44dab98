package console

import (
	"fmt"
	"io"
	"time"

	"github.com/vitals-go/vitals/exporters/internal/tsdb"
)

// Config configures an Exporter. The zero value writes the text format to
// os.Stdout.
type Config struct {
	// Writer receives the output. Defaults to os.Stdout. Each Export makes
	// one Write call with the whole snapshot; the Exporter never closes it.
	Writer io.Writer
	// Format is how snapshots are written: FormatText for people (the
	// default) or FormatPut for OpenTSDB.
	Format Format

	// The rest configure FormatPut; New refuses them with FormatText.

	// GoMetricsNames names the fields as go-metrics' OpenTSDB exporter does
	// (count, std-dev, 99-percentile, one-minute, mean-rate, ...) instead of
	// vitals' (count, stddev, p99, rate1, rate_mean, ...), for dashboards
	// built on go-metrics. Defaults to false.
	GoMetricsNames bool
	// DurationUnit divides timers' min, max, mean, stddev and quantiles,
	// which are nanoseconds. Defaults to time.Millisecond.
	DurationUnit time.Duration
	// MaxTags is the most tags a point may carry, as the backend's
	// tsd.storage.max_tags. Points with more are refused. Defaults to 8.
	MaxTags int
	// Prefix is prepended as "<Prefix>." to every metric name. It must use
	// OpenTSDB's characters (ASCII letters and digits, '-', '_', '.', '/',
	// Unicode letters). Defaults to none.
	Prefix string
}

// Format is how an Exporter writes snapshots.
type Format uint8

const (
	// FormatText is for people: a header line with the time, the interval
	// since the previous snapshot and the default tags, then one aligned
	// line per series with units (4.32ms, 199KiB, 5.3/s), the application's
	// series sorted by name and tags, the SDK's own (vitals.*, go.*,
	// process.*) last in a few compact lines. See the package documentation.
	FormatText Format = iota
	// FormatPut is OpenTSDB telnet put lines, one per field of every series,
	// for a TSD (through nc) or a log shipper. The application's series come
	// first, then the SDK's, each in the snapshot's order.
	FormatPut
)

// String returns "text" or "put".
func (f Format) String() string {
	switch f {
	case FormatText:
		return "text"
	case FormatPut:
		return "put"
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// check returns why cfg is invalid, or nil.
func (cfg Config) check() error {
	switch cfg.Format {
	case FormatText:
		switch {
		case cfg.GoMetricsNames:
			return fmt.Errorf("console: GoMetricsNames applies to FormatPut only")
		case cfg.DurationUnit != 0:
			return fmt.Errorf("console: DurationUnit applies to FormatPut only; the text format picks a unit per value")
		case cfg.MaxTags != 0:
			return fmt.Errorf("console: MaxTags applies to FormatPut only")
		case cfg.Prefix != "":
			return fmt.Errorf("console: Prefix applies to FormatPut only")
		}
	case FormatPut:
		if cfg.DurationUnit < 0 {
			return fmt.Errorf("console: DurationUnit %v is negative", cfg.DurationUnit)
		}
		if cfg.MaxTags < 0 {
			return fmt.Errorf("console: MaxTags %d is negative", cfg.MaxTags)
		}
		if s := tsdb.Sanitize(cfg.Prefix); s != cfg.Prefix {
			return fmt.Errorf("console: Prefix %q has characters OpenTSDB refuses; %q would do", cfg.Prefix, s)
		}
	default:
		return fmt.Errorf("console: unknown %v", cfg.Format)
	}
	return nil
}
