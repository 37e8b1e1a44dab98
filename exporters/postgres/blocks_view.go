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
// vitals_points, then the points of vitals_blocks.
func pointsAllSQL(n pgschema.Names) string {
	return "SELECT " + strings.Join(pointColumnNames, ", ") + " FROM " + n.Points +
		"\nUNION ALL\n" + blockPointsSQL(n, "")
}

// blockPointsSQL returns the points of the blocks (those that where
// selects, a condition on the blocks' columns as b.<column>, or "" for
// all) as rows with the columns of vitals_points.
//
// Per block: d makes the array of the points' times from the runs, and
// copies each bucket array out of TOAST once (a lateral subquery that is
// not flattened, OFFSET 0), so that the per-point slices do not each
// decompress the whole array; p unnests the per-point arrays side by side
// (ROWS FROM pads those that are NULL with NULLs), sums total_delta and
// bucket_len along the points, and computes mean if it was left out.
func blockPointsSQL(n pgschema.Names, where string) string {
	sel := []string{"u.ts", "CASE WHEN u.total_delta IS NOT NULL THEN (sum(u.total_delta) OVER w)::bigint ELSE u.total END AS total"}
	from := []string{"unnest(d.ts)", "unnest(b.total)", "unnest(b.total_delta)"}
	names := []string{"ts", "total", "total_delta"}
	for _, c := range pointColumnNames[3:19] {
		if c == "mean" {
			sel = append(sel, "CASE WHEN b.mean_derived THEN CASE WHEN u.count <> 0 "+
				"THEN u.sum::double precision / u.count::double precision END ELSE u.mean END AS mean")
		} else {
			sel = append(sel, "u."+c)
		}
		from = append(from, "unnest(b."+c+")")
		names = append(names, c)
	}
	from = append(from, "unnest(b.bucket_len)")
	names = append(names, "bucket_len", "i")
	slice := "[p.bucket_off + 1 : p.bucket_off + p.bucket_len]"
	q := `SELECT b.series_id, p.` + strings.Join(pointColumnNames[1:19], ", p.") + `,
	CASE WHEN p.bucket_len IS NOT NULL THEN coalesce(d.bucket_idx2` + slice + `::integer[], d.bucket_idx4` + slice + `) END,
	CASE WHEN p.bucket_len IS NOT NULL THEN coalesce(d.bucket_cnt2` + slice + `::bigint[], d.bucket_cnt4` + slice +
		`::bigint[], d.bucket_cnt8` + slice + `) END
FROM ` + n.Blocks + ` AS b
CROSS JOIN LATERAL (
	SELECT ARRAY(
			SELECT b.block_start + (r.start + j * b.ts_step) * interval '1 microsecond'
			FROM unnest(b.ts_run_start, b.ts_run_len) WITH ORDINALITY AS r(start, len, k),
				generate_series(0, r.len - 1) AS j
			ORDER BY r.k, j) AS ts,
		b.bucket_idx2[1:] AS bucket_idx2, b.bucket_idx4[1:] AS bucket_idx4,
		b.bucket_cnt2[1:] AS bucket_cnt2, b.bucket_cnt4[1:] AS bucket_cnt4, b.bucket_cnt8[1:] AS bucket_cnt8
	OFFSET 0
) AS d
CROSS JOIN LATERAL (
	SELECT ` + strings.Join(sel, ",\n\t\t") + `,
		u.bucket_len, (coalesce(sum(u.bucket_len) OVER w, 0) - coalesce(u.bucket_len, 0))::integer AS bucket_off
	FROM ROWS FROM (` + strings.Join(from, ", ") + `) WITH ORDINALITY AS u(` + strings.Join(names, ", ") + `)
	WINDOW w AS (ORDER BY u.i ROWS UNBOUNDED PRECEDING)
) AS p`
	if where != "" {
		q += "\nWHERE " + where
	}
	return q
}
