package postgres

import (
	"slices"
	"strings"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// pointColumnNames are the columns of vitals_points, in table order.
var pointColumnNames = slices.Concat([]string{"series_id", "ts"}, intCols[:], floatCols[:],
	[]string{"bucket_idx", "bucket_cnt"})

// pointsAllSQL is the query of the view vitals_points_all: the rows of
// vitals_points, then the points of vitals_blocks (those whose rates are
// predicted apart, so that the others do not pay for the aggregate).
func pointsAllSQL(n pgschema.Names) string {
	return pointsAllSQLOf(n, 9)
}

// pointsAllSQLV4 is the query of vitals_points_all as migration 4 created
// it, before the columns of migration 7.
func pointsAllSQLV4(n pgschema.Names) string {
	return "SELECT " + strings.Join(pointColumnNames, ", ") + " FROM " + n.Points +
		"\nUNION ALL\n" + blockPointsSQLAt(n, "", blockLayout{version: 4})
}

// pointsAllSQLOf is the query of vitals_points_all that reads the
// columns of vitals_blocks up to migration version (7 or 9).
func pointsAllSQLOf(n pgschema.Names, version int) string {
	return "SELECT " + strings.Join(pointColumnNames, ", ") + " FROM " + n.Points +
		"\nUNION ALL\n" + blockPointsSQLOf(n, "", version)
}

// blockLayout selects the columns of vitals_blocks that a query of
// blockPointsSQLAt reads.
type blockLayout struct {
	// version is the migration whose columns it reads (and those before):
	// 4, 7 or 9.
	version int
	// predicted selects the blocks with predicted rates
	// (rates_predicted), else those without; from version 7 on.
	predicted bool
}

// blockPointsSQL returns the points of the blocks (those that where
// selects, a condition on the blocks' columns as b.<column>, or "" for
// all) as rows with the columns of vitals_points.
func blockPointsSQL(n pgschema.Names, where string) string {
	return blockPointsSQLOf(n, where, 9)
}

// blockPointsSQLOf is blockPointsSQL reading the columns of vitals_blocks
// up to migration version (7 or 9).
func blockPointsSQLOf(n pgschema.Names, where string, version int) string {
	return blockPointsSQLAt(n, where, blockLayout{version: version}) + "\nUNION ALL\n" +
		blockPointsSQLAt(n, where, blockLayout{version: version, predicted: true})
}

// blockPointsSQLAt returns the points of the blocks that where selects
// and that layout reads.
//
// Per block: d makes the array of the points' times from the runs, copies
// each bucket array out of TOAST once and sums bucket_gap into the
// indexes once (a lateral subquery that is not flattened, OFFSET 0), so
// that the per-point slices do not each decompress the whole array (nor
// flatten the expanded array that the PL/pgSQL function returns: [1:]
// makes it a plain one); p unnests the per-point arrays side by side
// (ROWS FROM pads those that are NULL with NULLs), adds count back to
// total_delta where the block took it out, sums total_delta,
// rate_mean_elapsed and bucket_len along the points, and computes mean,
// rate_mean and the predicted rates if they were left out.
func blockPointsSQLAt(n pgschema.Names, where string, layout blockLayout) string {
	v7, v9 := layout.version >= 7, layout.version >= 9
	// delta is total_delta as compaction computed it: count added back
	// where the block holds it less count.
	delta := "u.total_delta"
	if v9 {
		delta = "CASE WHEN b.total_delta_less_count THEN u.total_delta + u.count ELSE u.total_delta END"
	}
	total := "CASE WHEN u.total_delta IS NOT NULL THEN (sum(" + delta + ") OVER w)::bigint ELSE u.total END"
	sel := []string{"u.ts", total + " AS total"}
	from := []string{"unnest(d.ts)", "unnest(b.total)", "unnest(b.total_delta)"}
	names := []string{"ts", "total", "total_delta"}
	for _, c := range pointColumnNames[3:19] {
		switch {
		case c == "mean":
			sel = append(sel, "CASE WHEN b.mean_derived THEN CASE WHEN u.count <> 0 "+
				"THEN u.sum::double precision / u.count::double precision END ELSE u.mean END AS mean")
		case layout.predicted && strings.HasPrefix(c, "rate") && c != "rate_mean":
			decay := rateDecayLiterals[map[string]int{"rate1": 0, "rate5": 1, "rate15": 2}[c]]
			sel = append(sel, n.Qualified(ratePredictedAgg)+"(u."+c+", ("+delta+")::double precision / 2 / 5, "+
				decay+"::double precision) OVER w AS "+c)
		case v7 && c == "rate_mean":
			// As blocks_rates.go's meanRate; the elapsed time e is set only
			// with total_delta.
			e := "(sum(u.rate_mean_elapsed) OVER w)::bigint"
			sel = append(sel, "CASE WHEN b.rate_mean_elapsed IS NULL THEN u.rate_mean WHEN "+e+" <= 0 THEN 0::double precision "+
				"ELSE (sum("+delta+") OVER w)::bigint::double precision / (("+e+" / 1000000000)::double precision + "+
				"("+e+" % 1000000000)::double precision / 1000000000::double precision) END AS rate_mean")
		default:
			sel = append(sel, "u."+c)
		}
		from = append(from, "unnest(b."+c+")")
		names = append(names, c)
	}
	if v7 {
		from = append(from, "unnest(b.rate_mean_elapsed)")
		names = append(names, "rate_mean_elapsed")
	}
	from = append(from, "unnest(b.bucket_len)")
	names = append(names, "bucket_len", "i")
	slice := "[p.bucket_off + 1 : p.bucket_off + p.bucket_len]"
	idx := "coalesce(d.bucket_idx2" + slice + "::integer[], d.bucket_idx4" + slice
	cnt := "coalesce(d.bucket_cnt2" + slice + "::bigint[], d.bucket_cnt4" + slice + "::bigint[], d.bucket_cnt8" + slice
	copies := ""
	if v7 {
		idx += ", d.bucket_idx" + slice
		copies = ",\n\t\t(" + n.Qualified(runningSumFunc) + "(b.bucket_gap))[1:] AS bucket_idx"
	}
	q := `SELECT b.series_id, p.` + strings.Join(pointColumnNames[1:19], ", p.") + `,
	CASE WHEN p.bucket_len IS NOT NULL THEN ` + idx + `) END,
	CASE WHEN p.bucket_len IS NOT NULL THEN ` + cnt + `) END
FROM ` + n.Blocks + ` AS b
CROSS JOIN LATERAL (
	SELECT ARRAY(
			SELECT b.block_start + (r.start + j * b.ts_step) * interval '1 microsecond'
			FROM unnest(b.ts_run_start, b.ts_run_len) WITH ORDINALITY AS r(start, len, k),
				generate_series(0, r.len - 1) AS j
			ORDER BY r.k, j) AS ts,
		b.bucket_idx2[1:] AS bucket_idx2, b.bucket_idx4[1:] AS bucket_idx4,
		b.bucket_cnt2[1:] AS bucket_cnt2, b.bucket_cnt4[1:] AS bucket_cnt4, b.bucket_cnt8[1:] AS bucket_cnt8` + copies + `
	OFFSET 0
) AS d
CROSS JOIN LATERAL (
	SELECT ` + strings.Join(sel, ",\n\t\t") + `,
		u.bucket_len, (coalesce(sum(u.bucket_len) OVER w, 0) - coalesce(u.bucket_len, 0))::integer AS bucket_off
	FROM ROWS FROM (` + strings.Join(from, ", ") + `) WITH ORDINALITY AS u(` + strings.Join(names, ", ") + `)
	WINDOW w AS (ORDER BY u.i ROWS UNBOUNDED PRECEDING)
) AS p`
	var conds []string
	switch {
	case v7 && layout.predicted:
		conds = append(conds, "b.rates_predicted")
	case v7:
		conds = append(conds, "NOT b.rates_predicted")
	}
	if where != "" {
		conds = append(conds, "("+where+")")
	}
	if len(conds) > 0 {
		q += "\nWHERE " + strings.Join(conds, " AND ")
	}
	return q
}
