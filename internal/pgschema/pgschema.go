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
}

// NewNames returns the names of schema's tables.
func NewNames(schema string) Names {
	q := func(table string) string { return pgx.Identifier{schema, table}.Sanitize() }
	return Names{
		Schema:   schema,
		Quoted:   pgx.Identifier{schema}.Sanitize(),
		Version:  q(VersionTable),
		Series:   q(SeriesTable),
		Points:   q(PointsTable),
		Default:  q(DefaultPartition),
		Releases: q(ReleasesTable),
	}
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
