package pgschema

import (
	"encoding/binary"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
)

// The rollup tables of a vitals schema, unqualified (see RollupNames).
const (
	// Rollup1mTable holds one row per series per UTC minute that has
	// points, partitioned by day: vitals_rollup_1m_pYYYYMMDD.
	Rollup1mTable = "vitals_rollup_1m"
	// Rollup1hTable holds one row per series per UTC hour that has points,
	// rolled up from Rollup1mTable, partitioned by month:
	// vitals_rollup_1h_pYYYYMM.
	Rollup1hTable = "vitals_rollup_1h"
	// RollupStateTable holds one row per rollup level ('1m', '1h'): the
	// time range [rolled_from, rolled_to) that its table covers.
	RollupStateTable = "vitals_rollup_state"
)

// The levels of RollupStateTable, in its level column.
const (
	Level1m = "1m"
	Level1h = "1h"
)

// RollupNames holds the quoted, schema-qualified names of one schema's
// rollup tables.
type RollupNames struct {
	M1    string // "schema"."vitals_rollup_1m"
	H1    string // "schema"."vitals_rollup_1h"
	State string // "schema"."vitals_rollup_state"
}

// Rollups returns the names of the schema's rollup tables.
func (n Names) Rollups() RollupNames {
	q := func(table string) string { return pgx.Identifier{n.Schema, table}.Sanitize() }
	return RollupNames{M1: q(Rollup1mTable), H1: q(Rollup1hTable), State: q(RollupStateTable)}
}

// RollupColumn is a column of the rollup tables, between (series_id, ts)
// and the buckets (bucket_idx, bucket_cnt), with the two SQL expressions
// that give its value: from one row of vitals_points, and from many rollup
// rows merged.
//
// Rolling points up and reading them back share these expressions, so
// that a rollup row is exactly the merge of the points it covers, and
// merging rollup rows with points (a Range whose edges are not whole
// minutes) gives what merging the points alone gives.
type RollupColumn struct {
	Name string
	Type string
	// FromPoint is the column's value for one row of vitals_points, in
	// terms of that row's columns: what the column would hold if the
	// rollup covered that point only.
	FromPoint string
	// Merge is the aggregate that merges rollup rows (or points turned
	// into rollup rows by FromPoint) into one, in terms of their columns;
	// "last" values are those of the row with the latest ts.
	Merge string
}

// RollupColumns are the columns of vitals_rollup_1m and vitals_rollup_1h
// after series_id and ts, buckets excepted, in table order: the 8-byte
// columns first, so that rows carry no alignment padding.
//
// The rates are averaged over the points that have rate1 set, which the
// exporter sets together with rate5, rate15 and rate_mean.
var RollupColumns = []RollupColumn{
	{"total", "bigint", "total", last("total")},
	{"count", "bigint", "count", "sum(count)::bigint"},
	{"sum", "bigint", "sum", "sum(sum)::bigint"},
	{"min", "bigint", "min", "min(min)"},
	{"max", "bigint", "max", "max(max)"},
	{"bucket_min", "bigint", "CASE WHEN cardinality(bucket_idx) > 0 THEN min END", "min(bucket_min)"},
	{"bucket_max", "bigint", "CASE WHEN cardinality(bucket_idx) > 0 THEN max END", "max(bucket_max)"},
	{"sum_sq_dev", "double precision", "count * stddev * stddev", "sum(sum_sq_dev)"},
	{"sum_sq_mean", "double precision", "count * mean * mean", "sum(sum_sq_mean)"},
	{"value", "double precision", "value", last("value")},
	{"value_sum", "double precision", "value", "sum(value_sum)"},
	{"value_min", "double precision", "value", "min(value_min)"},
	{"value_max", "double precision", "value", "max(value_max)"},
	{"rate1", "double precision", "rate1", rateMerge("rate1")},
	{"rate5", "double precision", "rate5", rateMerge("rate5")},
	{"rate15", "double precision", "rate15", rateMerge("rate15")},
	{"rate_mean", "double precision", "rate_mean", rateMerge("rate_mean")},
	{"nobucket_p50", "double precision", noBuckets("p50"), "max(nobucket_p50)"},
	{"nobucket_p75", "double precision", noBuckets("p75"), "max(nobucket_p75)"},
	{"nobucket_p95", "double precision", noBuckets("p95"), "max(nobucket_p95)"},
	{"nobucket_p99", "double precision", noBuckets("p99"), "max(nobucket_p99)"},
	{"nobucket_p999", "double precision", noBuckets("p999"), "max(nobucket_p999)"},
	{"points", "integer", "1", "sum(points)::integer"},
	{"value_count", "integer", "(value IS NOT NULL)::integer", "sum(value_count)::integer"},
	{"rate_points", "integer", "(rate1 IS NOT NULL)::integer", "sum(rate_points)::integer"},
}

func last(col string) string {
	return "(array_agg(" + col + " ORDER BY ts DESC) FILTER (WHERE " + col + " IS NOT NULL))[1]"
}

func rateMerge(col string) string {
	return "sum(" + col + " * rate_points) / nullif(sum(rate_points) FILTER (WHERE " + col + " IS NOT NULL), 0)"
}

func noBuckets(col string) string {
	return "CASE WHEN coalesce(cardinality(bucket_idx), 0) = 0 THEN " + col + " END"
}

// RollupSelect returns, for each of RollupColumns, expr(column) AS name,
// joined by commas: the select list of rollup rows built by expr.
func RollupSelect(expr func(RollupColumn) string) string {
	parts := make([]string, len(RollupColumns))
	for i, c := range RollupColumns {
		parts[i] = expr(c) + " AS " + c.Name
	}
	return strings.Join(parts, ", ")
}

// RollupColumnList returns the names of RollupColumns, each prefixed with
// prefix (such as "r."), joined by commas.
func RollupColumnList(prefix string) string {
	parts := make([]string, len(RollupColumns))
	for i, c := range RollupColumns {
		parts[i] = prefix + c.Name
	}
	return strings.Join(parts, ", ")
}

// RollupMerge returns the Merge expression of the rollup column called
// name, "" for a name that is not one of RollupColumns.
func RollupMerge(name string) string {
	for _, c := range RollupColumns {
		if c.Name == name {
			return c.Merge
		}
	}
	return ""
}

// PackedBucketSize is the size of one bucket in the buckets column of the
// rollup tables: its index (int2) then its count (int4), big-endian.
const PackedBucketSize = 6

// PackBucketsSQL returns the aggregate that packs the buckets (idx, cnt)
// of its rows, in index order, into the buckets column of the rollup
// tables: a reader receives the bytes as they are stored, without the
// per-element work of sending an array, and half as many as the arrays
// hold. It is NULL when an index is outside 0..32767 (never so for
// metrics.BucketIndex) or a count above 2^31-1: readers then read the
// arrays.
func PackBucketsSQL(idx, cnt string) string {
	return "CASE WHEN min(" + idx + ") >= 0 AND max(" + idx + ") <= 32767 AND max(" + cnt + ") <= 2147483647 THEN " +
		"string_agg(int2send(least(greatest(" + idx + ", 0), 32767)::smallint) || int4send(least(" + cnt + ", 2147483647)::integer), " +
		"''::bytea ORDER BY " + idx + ") END"
}

// ErrPackedBuckets is returned by ForEachPackedBucket for bytes that are
// not whole buckets.
var ErrPackedBuckets = errors.New("pgschema: packed buckets are not a whole number of 6-byte buckets")

// ForEachPackedBucket calls f with the index and count of each bucket of
// packed (see PackBucketsSQL), in order.
func ForEachPackedBucket(packed []byte, f func(idx int32, cnt int64)) error {
	if len(packed)%PackedBucketSize != 0 {
		return ErrPackedBuckets
	}
	for b := packed; len(b) > 0; b = b[PackedBucketSize:] {
		f(int32(binary.BigEndian.Uint16(b)), int64(binary.BigEndian.Uint32(b[2:])))
	}
	return nil
}
