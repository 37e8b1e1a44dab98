// Package tsdb turns a metrics.Snapshot into OpenTSDB data points and
// encodes them, for the console and opentsdb exporters. It does no I/O.
//
// Flatten makes one Point per field of every series: <name>.count,
// <name>.p99, ... (or go-metrics' names, see Naming), each carrying the
// series' tags merged with the snapshot's default tags. AppendTelnet and
// AppendJSON encode a Point as a telnet "put" line or as one /api/put
// object. Count says how many points Flatten would make, for the exporters'
// accounting.
//
// # OpenTSDB's rules
//
// Metric names, tag keys and tag values may hold only ASCII letters and
// digits, '-', '_', '.', '/' and Unicode letters (OpenTSDB's
// Tags.validateString, which tests Java chars, so only letters of the Basic
// Multilingual Plane pass). Sanitize replaces anything else with '_'. Every
// data point needs at least one tag and at most tsd.storage.max_tags (8
// unless configured). The TSD's telnet decoder (LineBasedFrameDecoder(1024))
// fails on more than 1024 bytes without a newline and discards the input up
// to the next one, so Flatten refuses points whose line would reach 1024
// bytes (MaxLineLen).
//
// OpenTSDB's telnet API decodes lines as single-byte characters, not UTF-8
// (its documentation says "UTF-8 characters may not be handled properly by
// the Telnet style API"): a name with a non-ASCII letter is stored correctly
// only through /api/put. Sanitize keeps such letters, because the HTTP API,
// other OpenTSDB-protocol servers and people reading the console take them.
//
// # Values
//
// A value that is a whole number within a Java long's range (|v| < 2^63) is
// written as an integer ("42", "-7", "1152921504606846976"), which OpenTSDB
// stores as a long, so a counter stays one type however large it grows;
// anything else is written in Go's shortest form that reads back to the same
// float64 ("0.1", "1.5e-07", "1e+300"). OpenTSDB reads a value without '.', 'e' or 'E' with
// Long.parseLong and any other with Double.parseDouble (stored as a float
// when that is exact, as a double otherwise), so every value arrives exactly.
// NaN and infinities cannot be stored and are refused.
//
// # Empty intervals
//
// Histograms and timers export min, max, mean, stddev and quantiles of the
// values recorded in the snapshot's interval. When nothing was recorded those
// are undefined, not zero (a zero would drag every max and average down), so
// an empty interval exports only the cumulative count (and a timer's rates).
package tsdb
