package postgres

import (
	"strings"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// The statements of the rollup maintenance. Each reads its source by
// series_id = ANY($1) AND ts in a range: index scans of the primary key
// (series_id, ts), one per series, so that the cost of rolling up a minute
// does not grow with the size of the day's partition. The ids are those of
// the series with points in the day (rollupIDsSQL), found by skipping
// through the same index.

// rollupIDsSQL lists the ids of the series with points in [$1, $2) of src,
// ascending: a loose index scan, one descent of the primary key per series.
func rollupIDsSQL(src string) string {
	return `WITH RECURSIVE ids(id) AS (
	(SELECT series_id FROM ` + src + ` WHERE ts >= $1 AND ts < $2 ORDER BY series_id LIMIT 1)
	UNION ALL
	SELECT (SELECT series_id FROM ` + src + ` WHERE series_id > ids.id AND ts >= $1 AND ts < $2 ORDER BY series_id LIMIT 1)
	FROM ids WHERE ids.id IS NOT NULL
)
SELECT coalesce(array_agg(id), '{}') FROM ids WHERE id IS NOT NULL`
}

// rollupSQL merges the rows of src (vitals_points when fromPoints, else a
// rollup table) of the series $1 in [$2, $3) into one row per series and
// UTC unit ("minute" or "hour") in dst, replacing the rows already there.
// The scalar columns and the buckets are computed by two scans of the
// source: the buckets are unnested, their counts summed per index, and
// aggregated back into arrays in index order, as metrics.Merger merges
// them.
func rollupSQL(dst, src, unit string, fromPoints bool) string {
	rows := "SELECT series_id, ts, " + pgschema.RollupColumnList("") + ", bucket_idx, bucket_cnt FROM " + src
	if fromPoints {
		rows = "SELECT series_id, ts, " + pgschema.RollupSelect(func(c pgschema.RollupColumn) string { return c.FromPoint }) +
			", bucket_idx, bucket_cnt FROM " + src
	}
	rows += " WHERE series_id = ANY($1) AND ts >= $2 AND ts < $3"
	bin := "date_trunc('" + unit + "', ts, 'UTC')"
	var set []string
	for _, c := range pgschema.RollupColumns {
		set = append(set, c.Name+" = EXCLUDED."+c.Name)
	}
	set = append(set, "bucket_idx = EXCLUDED.bucket_idx", "bucket_cnt = EXCLUDED.bucket_cnt")
	return `INSERT INTO ` + dst + ` (series_id, ts, ` + pgschema.RollupColumnList("") + `, bucket_idx, bucket_cnt)
SELECT s.series_id, s.bin, ` + pgschema.RollupColumnList("s.") + `, b.idx, b.cnt
FROM (
	SELECT series_id, ` + bin + ` AS bin, ` + pgschema.RollupSelect(func(c pgschema.RollupColumn) string { return c.Merge }) + `
	FROM (` + rows + `) AS p
	GROUP BY 1, 2
) AS s
LEFT JOIN (
	SELECT series_id, bin, array_agg(idx ORDER BY idx) AS idx, array_agg(cnt ORDER BY idx) AS cnt
	FROM (
		SELECT p.series_id, date_trunc('` + unit + `', p.ts, 'UTC') AS bin, b.idx, sum(b.cnt)::bigint AS cnt
		FROM (` + rows + `) AS p
		CROSS JOIN LATERAL unnest(p.bucket_idx, p.bucket_cnt) AS b(idx, cnt)
		GROUP BY 1, 2, 3
	) AS per_index
	GROUP BY 1, 2
) AS b ON b.series_id = s.series_id AND b.bin = s.bin
ON CONFLICT (series_id, ts) DO UPDATE SET ` + strings.Join(set, ", ")
}

// rollupDeleteSQL deletes the rows of the series $1 in [$2, $3) of a
// rollup table, before they are rolled up again.
func rollupDeleteSQL(table string) string {
	return "DELETE FROM " + table + " WHERE series_id = ANY($1) AND ts >= $2 AND ts < $3"
}

// rollupCheckSQL lists the minutes of [$2, $3) whose number of points of
// the series $1 differs from the number vitals_rollup_1m holds for them:
// the minutes that received points after they were rolled up.
func rollupCheckSQL(points, minutes string) string {
	return `SELECT coalesce(p.m, r.m) FROM (
	SELECT date_trunc('minute', ts, 'UTC') AS m, count(*) AS n
	FROM ` + points + ` WHERE series_id = ANY($1) AND ts >= $2 AND ts < $3 GROUP BY 1
) AS p
FULL JOIN (
	SELECT ts AS m, sum(points) AS n
	FROM ` + minutes + ` WHERE series_id = ANY($1) AND ts >= $2 AND ts < $3 GROUP BY 1
) AS r ON r.m = p.m
WHERE p.n IS DISTINCT FROM r.n
ORDER BY 1`
}

// rollupStateSQL reads the server's clock and the state of both levels.
func rollupStateSQL(state string) string {
	return `SELECT now(), m.rolled_from, m.rolled_to, m.checked_at, h.rolled_from, h.rolled_to
FROM ` + state + ` AS m, ` + state + ` AS h
WHERE m.level = '` + pgschema.Level1m + `' AND h.level = '` + pgschema.Level1h + `'`
}

// rollupSaveSQL writes the state of a level: $1 the level, $2 and $3 its
// range, $4 checked_at (NULL keeps it).
func rollupSaveSQL(state string) string {
	return "UPDATE " + state + " SET rolled_from = $2, rolled_to = $3, checked_at = coalesce($4, checked_at) WHERE level = $1"
}
