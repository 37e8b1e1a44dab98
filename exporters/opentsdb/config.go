package opentsdb

import (
	"cmp"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/vitals-go/vitals/exporters/internal/tsdb"
)

// Config configures an Exporter. URL is required; every other field has a
// default, selected by its zero value.
type Config struct {
	// URL is where the TSD listens. Required.
	//
	//   - http://host:port or https://host:port: JSON over HTTP POST
	//     <URL>/api/put?details, in batches. A path is kept as a prefix
	//     (for a TSD behind a reverse proxy), except a final /api/put,
	//     which names the endpoint itself: http://host:4242/api/put (with a
	//     trailing slash, or ?details, too) means http://host:4242.
	//   - tcp://host:port: telnet "put" lines over one persistent TCP
	//     connection.
	//
	// The port is required (OpenTSDB's usual one is 4242). User
	// information (user:password@) is refused, and never repeated in an
	// error.
	URL string

	// GoMetricsNames names the fields of a series like go-metrics'
	// OpenTSDB exporter does (count, 50-percentile, one-minute, mean-rate,
	// ...) instead of vitals' names (count, p50, rate1, rate_mean, ...), so
	// that dashboards built on go-metrics keep working.
	GoMetricsNames bool

	// DurationUnit is the unit of timers' min, max, mean, stddev and
	// quantiles. Defaults to time.Millisecond.
	DurationUnit time.Duration

	// MaxTags is the most tags a point may carry, tsd.storage.max_tags on
	// the TSD; points with more are not sent and count as rejected.
	// Defaults to 8, OpenTSDB's default.
	MaxTags int

	// Prefix is prepended as "<Prefix>." to every metric name. Defaults to
	// none.
	Prefix string

	// BatchSize is the most points in one HTTP request. Defaults to 50,
	// the number OpenTSDB's /api/put documentation suggests starting
	// with. A request also ends before its body would pass
	// MaxRequestBytes, whichever comes first.
	BatchSize int

	// MaxRequestBytes bounds the JSON body of one HTTP request (before
	// gzip, so a compressed body is always smaller). Defaults to 8192: a
	// stock TSD (tsd.http.request.enable_chunked = false) answers 400
	// "Chunked request not supported." to any body of more than 8192 bytes,
	// the maxChunkSize of the Netty HttpRequestDecoder it uses, and with
	// enable_chunked = true the default tsd.http.request.max_chunk (4096)
	// still closes the connection on those. Raise it together with
	// BatchSize for a TSD configured for bigger requests, or for
	// VictoriaMetrics (-opentsdbhttp.maxInsertRequestSize, 32 MiB by
	// default).
	MaxRequestBytes int

	// Gzip compresses HTTP request bodies (Content-Encoding: gzip, which
	// the TSD decodes with Netty's HttpContentDecompressor, and VictoriaMetrics
	// accepts too).
	Gzip bool

	// Parallelism is how many HTTP requests of one snapshot are in flight at
	// once. Defaults to 4.
	Parallelism int

	// Timeout bounds each HTTP request (connecting, sending, and reading
	// the answer), and each telnet dial, write and the wait for the TSD to
	// acknowledge a snapshot's lines. Defaults to 10 s. Export's context
	// may end it sooner.
	Timeout time.Duration

	// Logger receives what the exporter notices in the background: points
	// the TSD refused, error lines it sent on the telnet connection.
	// Defaults to slog.Default().
	Logger *slog.Logger
}

// The defaults documented on Config.
const (
	defaultBatchSize       = 50
	defaultMaxRequestBytes = 8192
	defaultParallelism     = 4
	defaultTimeout         = 10 * time.Second
)

// protocol is how the exporter talks to the TSD.
type protocol uint8

const (
	protoHTTP protocol = iota + 1
	protoTelnet
)

// settings is a validated Config with its defaults applied.
type settings struct {
	proto           protocol
	putURL          string // HTTP: the full /api/put?details URL
	addr            string // telnet: host:port
	where           string // for errors: "POST <URL>/api/put" or "telnet host:port"
	flatten         tsdb.Options
	batchSize       int
	maxRequestBytes int
	gzip            bool
	parallelism     int
	timeout         time.Duration
	logger          *slog.Logger
}

// settings validates c and applies its defaults. Every problem is listed in
// the one error it returns.
func (c Config) settings() (settings, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	s := settings{
		batchSize:       cmp.Or(c.BatchSize, defaultBatchSize),
		maxRequestBytes: cmp.Or(c.MaxRequestBytes, defaultMaxRequestBytes),
		gzip:            c.Gzip,
		parallelism:     cmp.Or(c.Parallelism, defaultParallelism),
		timeout:         cmp.Or(c.Timeout, defaultTimeout),
		logger:          c.Logger,
		flatten: tsdb.Options{
			DurationUnit: cmp.Or(c.DurationUnit, time.Millisecond),
			MaxTags:      cmp.Or(c.MaxTags, tsdb.DefaultMaxTags),
			Prefix:       c.Prefix,
		},
	}
	if c.GoMetricsNames {
		s.flatten.Naming = tsdb.NamingGoMetrics
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}

	if err := s.parseURL(c.URL); err != nil {
		bad("%v", err)
	}
	if c.DurationUnit < 0 {
		bad("DurationUnit is %v; it must be positive (or 0 for the default, 1ms)", c.DurationUnit)
	}
	if c.MaxTags < 0 {
		bad("MaxTags is %d; it must be positive (or 0 for the default, %d)", c.MaxTags, tsdb.DefaultMaxTags)
	}
	if c.BatchSize < 0 {
		bad("BatchSize is %d; it must be positive (or 0 for the default, %d)", c.BatchSize, defaultBatchSize)
	}
	if c.MaxRequestBytes < 0 || (c.MaxRequestBytes > 0 && c.MaxRequestBytes < minRequestBytes) {
		bad("MaxRequestBytes is %d; it must be at least %d, so that the longest point fits (or 0 for the default, %d)",
			c.MaxRequestBytes, minRequestBytes, defaultMaxRequestBytes)
	}
	if c.Parallelism < 0 {
		bad("Parallelism is %d; it must be positive (or 0 for the default, %d)", c.Parallelism, defaultParallelism)
	}
	if c.Timeout < 0 {
		bad("Timeout is %v; it must be positive (or 0 for the default, %v)", c.Timeout, defaultTimeout)
	}
	if len(problems) > 0 {
		return settings{}, fmt.Errorf("opentsdb: invalid Config: %s", strings.Join(problems, "; "))
	}
	return s, nil
}

// minRequestBytes is the smallest MaxRequestBytes: one point of the longest
// telnet line Flatten lets through, 1023 bytes, is at most about 1.2 KiB of
// JSON (quotes, keys and braces around 8 tags), plus the array's brackets.
const minRequestBytes = 2048
