package postgres

import "strings"

// The SQL functions of a vitals schema (migration 3) let a person query
// vitals_points by hand: bucket bounds (sqlfunc_buckets.go), quantiles of
// merged buckets (sqlfunc_quantile.go), the increase of a cumulative total
// (sqlfunc_increase.go), the view of points with their series
// (sqlfunc_view.go), and a COMMENT on every table, column, view and
// function (sqlfunc_comments.go). They are plain SQL and PL/pgSQL, so that
// any PostgreSQL 12 or newer runs them without an extension. Their bodies
// name each other schema-qualified: they work whatever the caller's
// search_path.

// sqlString returns s as an SQL string literal.
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// createFunctionSQL returns the statement creating function signature
// (schema-qualified name and arguments) with the given return type,
// language, attributes and body. The body is an SQL string literal, not
// dollar-quoted, so that no schema name can end it early.
func createFunctionSQL(signature, returns, language, attributes, body string) string {
	return "CREATE FUNCTION " + signature + " RETURNS " + returns +
		" LANGUAGE " + language + " " + attributes + " AS " + sqlString(body)
}

// commentSQL returns COMMENT ON kind object IS text.
func commentSQL(kind, object, text string) string {
	return "COMMENT ON " + kind + " " + object + " IS " + sqlString(text)
}
