package postgres

import "github.com/vitals-go/vitals/internal/pgschema"

// The bucket scheme of metrics.BucketBounds, in SQL: bucket o*35+s, for
// octave o in 1..63 and sub-bucket s in 0..34, starts at
// 2^(o-1) * (1 + L(s)/16384) with L(s) = ceil(16384 * (2^(s/35) - 1)), and
// ends where the next one starts. The formula is computed, not copied from
// metrics' table: in float8 it gives that table exactly (16384 * (2^(s/35)
// - 1) is never within 0.03 of an integer), which TestSQLBucketBounds
// checks for every index.
const (
	sqlBucketSubCount = "35"
	sqlBucketMaxIndex = "2239"
)

// sqlBucketStart returns the SQL expression of the lower bound of bucket i,
// an SQL int expression in 35..2240 (2240 standing for the end of the last
// bucket, 2^63).
func sqlBucketStart(i string) string {
	return "power(2::float8, (" + i + ") / " + sqlBucketSubCount + " - 1)" +
		" * (1 + ceil(16384 * (power(2::float8, ((" + i + ") % " + sqlBucketSubCount + ") / " +
		sqlBucketSubCount + "::float8) - 1)) / 16384)"
}

// sqlHarmonicMidpoint returns the SQL expression of the harmonic midpoint
// of the integers lo..hi, float8 expressions: 2*lo*hi/(lo+hi), or lo when
// lo >= hi.
func sqlHarmonicMidpoint(lo, hi string) string {
	return "CASE WHEN " + lo + " >= " + hi + " THEN " + lo +
		" ELSE 2 * " + lo + " * " + hi + " / (" + lo + " + " + hi + ") END"
}

// bucketFunctionsSQL returns the statements creating and documenting
// vitals_bucket_lower, vitals_bucket_upper and vitals_bucket_value in n's
// schema.
func bucketFunctionsSQL(n pgschema.Names) []string {
	lower := n.Qualified(pgschema.FuncBucketLower)
	upper := n.Qualified(pgschema.FuncBucketUpper)
	value := n.Qualified(pgschema.FuncBucketValue)
	// Not STRICT, so that PostgreSQL inlines them into the calling query
	// (they return NULL for NULL anyway): a call costs no more than its
	// arithmetic.
	const attrs = "IMMUTABLE PARALLEL SAFE"
	outside := "idx < 0 OR idx > " + sqlBucketMaxIndex
	last := "least(idx, " + sqlBucketMaxIndex + ")"
	return []string{
		createFunctionSQL(lower+"(idx int)", "float8", "sql", attrs, `
			SELECT CASE
				WHEN `+outside+` THEN 'NaN'::float8
				WHEN idx = 0 THEN '-9223372036854775808'::float8
				WHEN idx < `+sqlBucketSubCount+` THEN 1::float8
				ELSE `+sqlBucketStart("idx")+`
			END`),
		createFunctionSQL(upper+"(idx int)", "float8", "sql", attrs, `
			SELECT CASE
				WHEN `+outside+` THEN 'NaN'::float8
				WHEN idx < `+sqlBucketSubCount+` THEN 1::float8
				ELSE `+sqlBucketStart("idx + 1")+`
			END`),
		// The harmonic midpoint of the integers lo..hi of the bucket, in
		// float8 like metrics' float64: lo when it holds one integer or none.
		createFunctionSQL(value+"(idx int)", "float8", "sql", attrs, `
			SELECT CASE
				WHEN idx IS NULL THEN NULL
				WHEN idx <= 0 THEN 0::float8
				WHEN idx < `+sqlBucketSubCount+` THEN 1::float8
				ELSE `+sqlHarmonicMidpoint(
			"ceil("+sqlBucketStart(last)+")",
			"(ceil("+sqlBucketStart(last+" + 1")+") - 1)")+`
			END`),

		commentSQL("FUNCTION", lower+"(int)",
			"The smallest value held by the histogram or timer bucket with index idx (see vitals_points.bucket_idx). "+
				"Bucket o*35+s, for o in 1..63 and s in 0..34, holds the values in "+
				"[2^(o-1) * (1 + L(s)/16384), 2^(o-1) * (1 + L(s+1)/16384)) with L(s) = ceil(16384 * (2^(s/35) - 1)): "+
				"35 buckets per power of two, each at most 2.01% wide (in Go: metrics.BucketBounds). "+
				"Index 0 holds every value <= 0 and starts at -2^63; indexes 1..34 are never used and empty ([1, 1)); "+
				"NaN outside 0.."+sqlBucketMaxIndex+". The unit is the series' (nanoseconds for timers)."),
		commentSQL("FUNCTION", upper+"(int)",
			"The end (excluded) of the values held by the histogram or timer bucket with index idx: the start of "+
				"bucket idx + 1, 2^63 for the last index ("+sqlBucketMaxIndex+"), 1 for indexes 0..34; "+
				"NaN outside 0.."+sqlBucketMaxIndex+". "+
				"A value v is in bucket idx when vitals_bucket_lower(idx) <= v < vitals_bucket_upper(idx)."),
		commentSQL("FUNCTION", value+"(int)",
			"The value that stands for the values of bucket idx in quantiles (see vitals_quantile): the harmonic "+
				"midpoint 2*lo*hi/(lo+hi) of the integers lo..hi that the bucket holds, within 1% of each of them; "+
				"0 for index 0. An index outside 0.."+sqlBucketMaxIndex+" counts as the nearest valid one."),
	}
}
