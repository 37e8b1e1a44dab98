package postgres

import "github.com/vitals-go/vitals/internal/pgschema"

// increaseFunctionSQL returns the statements creating and documenting
// vitals_increase in n's schema. It is not STRICT, so that PostgreSQL
// inlines it into the query (its CASE is NULL when an argument is).
func increaseFunctionSQL(n pgschema.Names) []string {
	increase := n.Qualified(pgschema.FuncIncrease)
	return []string{
		createFunctionSQL(increase+"(total bigint, previous bigint)", "bigint", "sql", "IMMUTABLE PARALLEL SAFE", `
			SELECT CASE WHEN total >= previous THEN total - previous WHEN total < previous THEN total END`),
		commentSQL("FUNCTION", increase+"(bigint, bigint)",
			"How much a cumulative total (vitals_points.total) grew since the previous row of its series: "+
				"total - previous, or total when it went down, since a total goes back to 0 when its process "+
				"restarts (as Prometheus' increase() assumes; a counter moved down with Dec reads as a restart too). "+
				"NULL when previous is NULL. "+
				"Use vitals_increase(total, lag(total) OVER (PARTITION BY series_id ORDER BY ts))."),
	}
}
