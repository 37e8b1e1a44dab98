package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// ratePredictedAgg is the aggregate, in each vitals schema, with which
// vitals_points_all computes the predicted rates of a block (see
// blocks_rates.go), and ratePredictedStep its transition function.
const (
	ratePredictedAgg  = "vitals_rate_predicted"
	ratePredictedStep = "vitals_rate_predicted_step"
	// runningSumFunc, in each vitals schema, returns the running sums of
	// a smallint[]: the bucket indexes of a block's bucket_gap.
	runningSumFunc = "vitals_running_sum"
)

// blockColumnsV7 are the columns that migration 7 adds to vitals_blocks,
// after those of blockColumns. Blocks written before keep them NULL (or
// false) and are read as before.
var blockColumnsV7 = []blockColumn{
	{"bucket_gap", "smallint[]", "The bucket indexes of all the points, one after the other, each as the " +
		"difference from the index before it (the first from 0), when every difference fits in a smallint: " +
		"their running sum gives the indexes back. bucket_idx2 and bucket_idx4 are NULL then."},
	{"rates_predicted", "boolean NOT NULL DEFAULT false", "Whether a NULL in rate1, rate5 or rate15 stands " +
		"for the rate predicted from the point before, as the metrics package advances it over two 5-second " +
		"ticks: instant + (previous rate - instant) * (1 - alpha)^2, instant being the increase of total / 10 " +
		"(vitals_points_all computes it with the aggregate vitals_rate_predicted)."},
	{"rate_mean_elapsed", "bigint[]", "When set, rate_mean is NULL and each point's rate_mean is total / the " +
		"seconds elapsed since the meter began, which this holds in nanoseconds, each minus the previous " +
		"point's (the first minus 0): their running sum gives them back (rate_mean is 0 where it is 0)."},
}

// migrate7 adds blockColumnsV7 to vitals_blocks, which store the bucket
// indexes and the rates of histograms, timers and meters in fewer bytes
// (see encodeBlock), the function and the aggregate that compute them
// back, and re-creates vitals_points_all to read them. The view keeps its columns,
// and returns the same values for the blocks written before.
func migrate7(ctx context.Context, tx pgx.Tx, n pgschema.Names, _ time.Time) error {
	step, agg := n.Qualified(ratePredictedStep), n.Qualified(ratePredictedAgg)
	sums := n.Qualified(runningSumFunc)
	stmts := append(addBlockColumnsSQL(n, blockColumnsV7),
		// A PL/pgSQL loop: half the time of a window sum over unnest.
		createFunctionSQL(sums+"(gaps smallint[])", "integer[]", "plpgsql", "IMMUTABLE STRICT PARALLEL SAFE", `
			DECLARE
				sums integer[] := array_fill(0, ARRAY[cardinality(gaps)]);
				s integer := 0;
			BEGIN
				FOR i IN 1 .. cardinality(gaps) LOOP
					s := s + gaps[i];
					sums[i] := s;
				END LOOP;
				RETURN sums;
			END`),
		commentSQL("FUNCTION", sums+"(smallint[])", "The running sums of gaps: element i is gaps[1] + ... + gaps[i]. "+
			"vitals_points_all reads vitals_blocks.bucket_gap with it."),
		// PL/pgSQL: as a transition function it costs half what an SQL
		// function does per row. Every operation is float8 and rounded,
		// as blocks_rates.go computes it.
		createFunctionSQL(step+"(state float8, stored float8, instant float8, decay float8)", "float8", "plpgsql",
			"IMMUTABLE PARALLEL SAFE", "BEGIN RETURN coalesce(stored, instant + (state - instant) * decay); END"),
		"CREATE AGGREGATE "+agg+"(float8, float8, float8) (SFUNC = "+step+", STYPE = float8)",
		commentSQL("FUNCTION", step+"(float8, float8, float8, float8)", "The transition function of "+ratePredictedAgg+"."),
		commentSQL("AGGREGATE", agg+"(float8, float8, float8)",
			"vitals_rate_predicted(stored, instant, decay), used as a window function over the points of a block in "+
				"order, is stored where it is not NULL, else instant + (its value at the point before - instant) * decay: "+
				"how vitals_points_all computes the rates that vitals_blocks leaves out (see vitals_blocks.rates_predicted)."),
		"CREATE OR REPLACE VIEW "+n.PointsAll+" AS "+pointsAllSQLOf(n, 7),
	)
	if err := execAll(ctx, tx, stmts); err != nil {
		return err
	}
	return setCompression(ctx, tx, n, blockColumnsV7)
}
