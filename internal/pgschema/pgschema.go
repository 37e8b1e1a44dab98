// Package pgschema names the tables of the vitals PostgreSQL schema, the
// contract between their writer (exporters/postgres, which creates and
// migrates them) and their reader (pgreader), so that neither spells the
// other's SQL names.
//
// The columns are listed in the package documentation of
// exporters/postgres; the migrations there are their one definition.
package pgschema

import (
	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/metrics"
)

// The tables of a vitals schema, unqualified.
const (
	// VersionTable records the applied migrations.
	VersionTable = "vitals_schema_version"
	// SeriesTable holds one row per series: id, name, tags, kind, unit.
	SeriesTable = "vitals_series"
	// PointsTable holds one row per series per flush, partitioned by day.
	PointsTable = "vitals_points"
	// DefaultPartition is the partition of PointsTable that takes the rows
	// of any day without a partition of its own.
	DefaultPartition = "vitals_points_default"
	// ReleasesTable holds one row per process: service, version, host,
	// pid, started_at.
	ReleasesTable = "vitals_releases"
	// NamedPointsView shows the rows of PointsAllView with their series'
	// name, tags, kind and unit.
	NamedPointsView = "vitals_points_named"
	// BlocksTable holds the compacted points: one row per series per UTC
	// hour (per day before migration 9), its points' columns as arrays,
	// partitioned by day.
	BlocksTable = "vitals_blocks"
	// PointsAllView has exactly the columns of PointsTable and shows its
	// rows and the points of BlocksTable as one table: readers query it.
	PointsAllView = "vitals_points_all"
)

// The SQL functions, aggregate and type of a vitals schema, unqualified
// (see Names.Qualified), for queries written by hand.
const (
	// FuncBucketLower is vitals_bucket_lower(idx int): a bucket's lower
	// bound, as metrics.BucketBounds.
	FuncBucketLower = "vitals_bucket_lower"
	// FuncBucketUpper is vitals_bucket_upper(idx int): a bucket's upper
	// bound, as metrics.BucketBounds.
	FuncBucketUpper = "vitals_bucket_upper"
	// FuncBucketValue is vitals_bucket_value(idx int): the value that
	// stands for a bucket's values in quantiles.
	FuncBucketValue = "vitals_bucket_value"
	// FuncQuantile is vitals_quantile(idx int[], cnt bigint[], q float8
	// [, min bigint, max bigint]), and vitals_quantile(BucketsType, q
	// [, min, max]): the q-quantile of buckets, as
	// metrics.Distribution.Quantile.
	FuncQuantile = "vitals_quantile"
	// AggMergeBuckets is the aggregate vitals_merge_buckets(idx int[],
	// cnt bigint[]) returning BucketsType: the buckets of many rows
	// merged, as metrics.Merger.
	AggMergeBuckets = "vitals_merge_buckets"
	// FuncIncrease is vitals_increase(total bigint, previous bigint): the
	// increase of a cumulative total, a decrease counting as a restart.
	FuncIncrease = "vitals_increase"
	// BucketsType is the composite type (idx int[], cnt bigint[]) of
	// merged buckets.
	BucketsType = "vitals_buckets"
)

// Names holds the quoted, schema-qualified identifiers of one schema's
// tables, ready to be pasted into SQL text.
type Names struct {
	Schema   string // the schema as given, unquoted
	Quoted   string // "schema"
	Version  string // "schema"."vitals_schema_version"
	Series   string // "schema"."vitals_series"
	Points   string // "schema"."vitals_points"
	Default  string // "schema"."vitals_points_default"
	Releases string // "schema"."vitals_releases"
	Named    string // "schema"."vitals_points_named"
	Blocks   string // "schema"."vitals_blocks"
	// PointsAll is "schema"."vitals_points_all", the view of raw and
	// compacted points, the table to read points from.
	PointsAll string
}

// NewNames returns the names of schema's tables.
func NewNames(schema string) Names {
	q := func(table string) string { return pgx.Identifier{schema, table}.Sanitize() }
	return Names{
		Schema:    schema,
		Quoted:    pgx.Identifier{schema}.Sanitize(),
		Version:   q(VersionTable),
		Series:    q(SeriesTable),
		Points:    q(PointsTable),
		Default:   q(DefaultPartition),
		Releases:  q(ReleasesTable),
		Named:     q(NamedPointsView),
		Blocks:    q(BlocksTable),
		PointsAll: q(PointsAllView),
	}
}

// Qualified returns the quoted, schema-qualified name of object, a table,
// view, function or type of the schema, such as FuncQuantile.
func (n Names) Qualified(object string) string {
	return pgx.Identifier{n.Schema, object}.Sanitize()
}

// Kind returns the kind whose name (metrics.Kind.String, as stored in
// vitals_series.kind) is s, and false when no kind has that name.
func Kind(s string) (metrics.Kind, bool) {
	for k := metrics.Kind(1); k.String() != "unknown"; k++ {
		if k.String() == s {
			return k, true
		}
	}
	return 0, false
}
