package postgres

import "github.com/vitals-go/vitals/internal/pgschema"

// The merge of buckets and their quantile, in SQL, as metrics.Merger and
// metrics.Distribution.Quantile compute them.
//
// The aggregate vitals_merge_buckets keeps its state in a bigint[] indexed
// by bucket index, whose bounds grow to the lowest and highest index
// merged (PostgreSQL fills the gap with NULLs), so that adding a row costs
// a few element updates plus a copy of the indexes actually spanned
// (typically a few hundred), not of all 2,240. The final function turns
// it into the vitals_buckets (idx, cnt) of the non-zero buckets in index
// order, which vitals_quantile reads.

// quantileFunctionsSQL returns the statements creating and documenting the
// type vitals_buckets, the aggregate vitals_merge_buckets with its
// functions, and vitals_quantile in n's schema.
func quantileFunctionsSQL(n pgschema.Names) []string {
	buckets := n.Qualified(pgschema.BucketsType)
	merge := n.Qualified(pgschema.AggMergeBuckets)
	add := n.Qualified(pgschema.AggMergeBuckets + "_add")
	combine := n.Qualified(pgschema.AggMergeBuckets + "_combine")
	final := n.Qualified(pgschema.AggMergeBuckets + "_final")
	quantile := n.Qualified(pgschema.FuncQuantile)
	value := n.Qualified(pgschema.FuncBucketValue)
	const attrs = "IMMUTABLE PARALLEL SAFE"
	return []string{
		"CREATE TYPE " + buckets + " AS (idx int[], cnt bigint[])",

		createFunctionSQL(add+"(state bigint[], idx int[], cnt bigint[])", "bigint[]", "plpgsql", "STRICT "+attrs, `
			DECLARE
				off int := array_lower(cnt, 1) - array_lower(idx, 1);
				i int;
				c bigint;
			BEGIN
				IF array_ndims(idx) > 1 OR array_ndims(cnt) > 1 OR cardinality(idx) <> cardinality(cnt) THEN
					RAISE EXCEPTION 'vitals: % bucket indexes and % counts: want two one-dimensional lists of the same length',
						cardinality(idx), cardinality(cnt)
						USING ERRCODE = 'invalid_parameter_value';
				END IF;
				IF cardinality(idx) = 0 THEN
					RETURN state;
				END IF;
				FOR k IN array_lower(idx, 1) .. array_upper(idx, 1) LOOP
					i := least(greatest(idx[k], 0), `+sqlBucketMaxIndex+`);
					c := cnt[k + off];
					IF idx[k] IS NULL OR c IS NULL OR c < 0 THEN
						RAISE EXCEPTION 'vitals: bucket index % with count %: want an index and a count of at least 0', idx[k], c
							USING ERRCODE = 'invalid_parameter_value';
					END IF;
					state[i] := coalesce(state[i], 0) + c;
				END LOOP;
				RETURN state;
			END`),
		createFunctionSQL(combine+"(a bigint[], b bigint[])", "bigint[]", "plpgsql", "STRICT "+attrs, `
			BEGIN
				IF cardinality(b) = 0 THEN
					RETURN a;
				END IF;
				FOR i IN array_lower(b, 1) .. array_upper(b, 1) LOOP
					IF b[i] IS NOT NULL THEN
						a[i] := coalesce(a[i], 0) + b[i];
					END IF;
				END LOOP;
				RETURN a;
			END`),
		createFunctionSQL(final+"(state bigint[])", buckets, "sql", "STRICT "+attrs, `
			SELECT CASE WHEN count(*) > 0 THEN ROW(array_agg(i ORDER BY i), array_agg(c ORDER BY i))::`+buckets+` END
			FROM (SELECT array_lower(state, 1) + o::int - 1 AS i, c
				FROM unnest(state) WITH ORDINALITY AS u(c, o)) AS b
			WHERE c > 0`),
		"CREATE AGGREGATE " + merge + "(idx int[], cnt bigint[]) (" +
			"SFUNC = " + add + ", STYPE = bigint[], INITCOND = '{}', " +
			"FINALFUNC = " + final + ", COMBINEFUNC = " + combine + ", PARALLEL = SAFE)",

		// Quantile's algorithm: the representative value of the bucket of
		// rank ceil(q*n), clamped into [min, max]; min for q <= 0 (or NaN)
		// and max for q >= 1 when they are given.
		createFunctionSQL(quantile+"(idx int[], cnt bigint[], q float8, min bigint DEFAULT NULL, max bigint DEFAULT NULL)",
			"float8", "plpgsql", attrs, `
			DECLARE
				ok bool := array_ndims(idx) = 1 AND array_ndims(cnt) = 1 AND cardinality(idx) = cardinality(cnt)
					AND array_lower(idx, 1) = 1 AND array_lower(cnt, 1) = 1;
				b `+buckets+`;
				prev int := -1;
				n bigint := 0;
				seen bigint := 0;
				rank bigint;
				k int := 1;
			BEGIN
				IF idx IS NULL OR cnt IS NULL OR q IS NULL THEN
					RETURN NULL;
				END IF;
				-- A row as stored is read as it is; anything else is
				-- merged first, which sorts it and reports bad input.
				IF ok THEN
					FOR j IN 1 .. cardinality(idx) LOOP
						IF idx[j] IS NULL OR cnt[j] IS NULL OR idx[j] <= prev OR idx[j] > `+sqlBucketMaxIndex+` OR cnt[j] < 0 THEN
							ok := false;
							EXIT;
						END IF;
						prev := idx[j];
						n := n + cnt[j];
					END LOOP;
				END IF;
				IF ok IS NOT TRUE THEN
					b := `+final+`(`+add+`('{}', idx, cnt));
					idx := b.idx;
					cnt := b.cnt;
					n := 0;
					FOR j IN 1 .. coalesce(cardinality(cnt), 0) LOOP
						n := n + cnt[j];
					END LOOP;
				END IF;
				IF n = 0 THEN
					RETURN NULL;
				END IF;
				IF q = 'NaN' OR q <= 0 THEN
					IF min IS NOT NULL THEN
						RETURN min;
					END IF;
					q := 0;
				ELSIF q >= 1 THEN
					IF max IS NOT NULL THEN
						RETURN max;
					END IF;
					q := 1;
				END IF;
				rank := least(greatest(ceil(q * n::float8), 1), n);
				LOOP
					seen := seen + cnt[k];
					EXIT WHEN seen >= rank;
					k := k + 1;
				END LOOP;
				RETURN least(greatest(`+value+`(idx[k]), min), max);
			END`),
		createFunctionSQL(quantile+"(b "+buckets+", q float8, min bigint DEFAULT NULL, max bigint DEFAULT NULL)",
			"float8", "sql", attrs, `SELECT `+quantile+`(b.idx, b.cnt, q, min, max)`),

		commentSQL("TYPE", buckets,
			"Histogram or timer buckets: idx, the indexes of the non-empty buckets in ascending order "+
				"(see vitals_bucket_lower), and cnt, the number of values in each. "+
				"vitals_merge_buckets returns one; vitals_quantile reads one."),
		commentSQL("COLUMN", buckets+".idx", "The indexes of the non-empty buckets, ascending (see vitals_bucket_lower)."),
		commentSQL("COLUMN", buckets+".cnt", "The number of values in each bucket of idx, in the same order."),
		commentSQL("AGGREGATE", merge+"(int[], bigint[])",
			"Merges the buckets of many rows exactly, as if their values had been recorded into one histogram "+
				"(in Go: metrics.Merger): the counts of equal indexes add up. "+
				"Use vitals_merge_buckets(bucket_idx, bucket_cnt) over the rows of several hosts, intervals or series "+
				"of one unit, and pass the result to vitals_quantile with min(min) and max(max); "+
				"averaging the rows' p99 instead would be wrong. Rows whose buckets are NULL (nothing recorded) are "+
				"skipped; NULL when every row is. An index outside 0.."+sqlBucketMaxIndex+" counts as the nearest "+
				"valid one; lists of different lengths, NULL elements and negative counts are errors."),
		commentSQL("FUNCTION", add+"(bigint[], int[], bigint[])",
			"The transition function of vitals_merge_buckets: adds the buckets (idx, cnt) of one row to the state, "+
				"an array of counts indexed by bucket index."),
		commentSQL("FUNCTION", combine+"(bigint[], bigint[])",
			"The combine function of vitals_merge_buckets, for parallel queries: adds state b to state a."),
		commentSQL("FUNCTION", final+"(bigint[])",
			"The final function of vitals_merge_buckets: the non-zero buckets of the state as vitals_buckets, "+
				"NULL when there are none."),
		commentSQL("FUNCTION", quantile+"(int[], bigint[], float8, bigint, bigint)",
			"The q-quantile (q in [0, 1]) of the values counted in buckets (idx, cnt), as Go's "+
				"metrics.Distribution.Quantile computes it: the value of rank ceil(q*n) among the n values, "+
				"estimated within 1% by its bucket's vitals_bucket_value, then clamped into [min, max]. "+
				"Pass the exact min and max (the columns of vitals_points, or min(min) and max(max) when merging) "+
				"to get the answer Go gives, and min itself for q <= 0 and max for q >= 1; without them the "+
				"estimate is not clamped. NaN counts as 0. NULL when no value is counted. "+
				"vitals_quantile(bucket_idx, bucket_cnt, 0.99, min, max) is the p99 column of the row; "+
				"the unit is the series' (nanoseconds for timers: divide by 1e6 for milliseconds)."),
		commentSQL("FUNCTION", quantile+"("+buckets+", float8, bigint, bigint)",
			"vitals_quantile(b.idx, b.cnt, q, min, max): the q-quantile of merged buckets, for instance "+
				"vitals_quantile(vitals_merge_buckets(bucket_idx, bucket_cnt), 0.99, min(min), max(max))."),
	}
}
