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
// through the same index. The points of a range, always within one UTC
// day $4, are those of vitals_points and of that day's blocks
// (rollupPointsSQL): a day may have been compacted before it was rolled
// up.

// rollupIDsSQL lists the ids of the series with points in the UTC day
// [$1, $2), ascending: in vitals_points and in the day's blocks, each by a
// loose index scan, one descent of the primary key per series (the day's
// blocks are up to 24 per series).
func rollupIDsSQL(n pgschema.Names) string {
	loose := func(name, table, time string) string {
		return name + `(id) AS (
	(SELECT series_id FROM ` + table + ` WHERE ` + time + ` >= $1 AND ` + time + ` < $2 ORDER BY series_id LIMIT 1)
	UNION ALL
	SELECT (SELECT series_id FROM ` + table + ` WHERE series_id > ` + name + `.id AND ` + time + ` >= $1 AND ` + time +
			` < $2 ORDER BY series_id LIMIT 1)
	FROM ` + name + ` WHERE ` + name + `.id IS NOT NULL
)`
	}
	return `WITH RECURSIVE ` + loose("ids", n.Points, "ts") + `, ` + loose("bids", n.Blocks, "block_start") + `
SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM (
	SELECT id FROM ids WHERE id IS NOT NULL
	UNION
	SELECT id FROM bids WHERE id IS NOT NULL
) AS u`
}

// rollupPointsSQL selects the points of the series $1 in [$2, $3), within
// the UTC day $4: the rows of vitals_points and the points of the day's
// blocks (of hours, or of the whole day), which vitals_points_all cannot
// select by time.
func rollupPointsSQL(n pgschema.Names) string {
	cols := strings.Join(pointColumnNames, ", ")
	return "SELECT " + cols + " FROM " + n.Points + " WHERE series_id = ANY($1) AND ts >= $2 AND ts < $3\n\tUNION ALL\n\t" +
		"SELECT " + cols + " FROM (" + blockPointsSQL(n, "b.series_id = ANY($1) AND "+overlapSQL("$4", "$3", "$2")) + ") AS bp(" + cols + ")" +
		" WHERE ts >= $2 AND ts < $3"
}

// rollupMinutesSQL rolls the points of the series $1 in [$2, $3), within
// the UTC day $4, up into vitals_rollup_1m.
func rollupMinutesSQL(n pgschema.Names) string {
	rows := "SELECT series_id, ts, " + pgschema.RollupSelect(func(c pgschema.RollupColumn) string { return c.FromPoint }) +
		", bucket_idx, bucket_cnt FROM (" + rollupPointsSQL(n) + ") AS src"
	return rollupSQL(n.Rollups().M1, rows, "minute")
}

// rollupHoursSQL rolls the minutes of the series $1 in [$2, $3) up into
// vitals_rollup_1h.
func rollupHoursSQL(n pgschema.Names) string {
	r := n.Rollups()
	rows := "SELECT series_id, ts, " + pgschema.RollupColumnList("") + ", bucket_idx, bucket_cnt FROM " + r.M1 +
		" WHERE series_id = ANY($1) AND ts >= $2 AND ts < $3"
	return rollupSQL(r.H1, rows, "hour")
}

// rollupSQL merges rows, rollup rows (series_id, ts, the rollup columns,
// bucket_idx and bucket_cnt), into one row per series and UTC unit
// ("minute" or "hour") in dst, replacing the rows already there. The
// scalar columns and the buckets are computed by two scans of the source:
// the buckets are unnested, their counts summed per index, and aggregated
// back into arrays in index order, as metrics.Merger merges them, and
// packed (pgschema.PackBucketsSQL).
func rollupSQL(dst, rows, unit string) string {
	bin := "date_trunc('" + unit + "', ts, 'UTC')"
	var set []string
	for _, c := range pgschema.RollupColumns {
		set = append(set, c.Name+" = EXCLUDED."+c.Name)
	}
	set = append(set, "bucket_idx = EXCLUDED.bucket_idx", "bucket_cnt = EXCLUDED.bucket_cnt", "buckets = EXCLUDED.buckets")
	return `INSERT INTO ` + dst + ` (series_id, ts, ` + pgschema.RollupColumnList("") + `, bucket_idx, bucket_cnt, buckets)
SELECT s.series_id, s.bin, ` + pgschema.RollupColumnList("s.") + `, b.idx, b.cnt, b.packed
FROM (
	SELECT series_id, ` + bin + ` AS bin, ` + pgschema.RollupSelect(func(c pgschema.RollupColumn) string { return c.Merge }) + `
	FROM (` + rows + `) AS p
	GROUP BY 1, 2
) AS s
LEFT JOIN (
	SELECT series_id, bin, array_agg(idx ORDER BY idx) AS idx, array_agg(cnt ORDER BY idx) AS cnt,
		` + pgschema.PackBucketsSQL("idx", "cnt") + ` AS packed
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

// rollupCheckSQL lists the minutes of [$2, $3), within the UTC day $4,
// whose number of points of the series $1 differs from the number
// vitals_rollup_1m holds for them: the minutes that received points after
// they were rolled up.
func rollupCheckSQL(n pgschema.Names) string {
	return `SELECT coalesce(p.m, r.m) FROM (
	SELECT date_trunc('minute', ts, 'UTC') AS m, count(*) AS n
	FROM (` + rollupPointsSQL(n) + `) AS src GROUP BY 1
) AS p
FULL JOIN (
	SELECT ts AS m, sum(points) AS n
	FROM ` + n.Rollups().M1 + ` WHERE series_id = ANY($1) AND ts >= $2 AND ts < $3 GROUP BY 1
) AS r ON r.m = p.m
WHERE p.n IS DISTINCT FROM r.n
ORDER BY 1`
}

// rollupStateSQL reads the server's clock, the state of both levels, and
// whether minutes are marked to be rolled up again.
func rollupStateSQL(n pgschema.Names) string {
	state := n.Rollups().State
	return `SELECT now(), m.rolled_from, m.rolled_to, m.checked_at, h.rolled_from, h.rolled_to,
	EXISTS (SELECT FROM ` + rollupDirtyName(n) + `)
FROM ` + state + ` AS m, ` + state + ` AS h
WHERE m.level = '` + pgschema.Level1m + `' AND h.level = '` + pgschema.Level1h + `'`
}

// rollupSaveSQL writes the state of a level: $1 the level, $2 and $3 its
// range, $4 checked_at (NULL keeps it).
func rollupSaveSQL(state string) string {
	return "UPDATE " + state + " SET rolled_from = $2, rolled_to = $3, checked_at = coalesce($4, checked_at) WHERE level = $1"
}

// rollupMarkSQL marks the UTC minute of the time $1 to be rolled up again
// (see rollup_mark.go): it inserts the minute into vitals_rollup_dirty, or
// adds one to its count of marks.
func rollupMarkSQL(n pgschema.Names) string {
	dirty := rollupDirtyName(n)
	return "INSERT INTO " + dirty + " AS d (minute) VALUES (date_trunc('minute', $1::timestamptz, 'UTC'))\n" +
		"ON CONFLICT (minute) DO UPDATE SET marks = d.marks + 1"
}

// rollupMarkedSQL lists the $1 oldest marked minutes with their counts of
// marks.
func rollupMarkedSQL(n pgschema.Names) string {
	return "SELECT minute, marks FROM " + rollupDirtyName(n) + " ORDER BY minute LIMIT $1"
}

// rollupUnmarkSQL deletes the marks of the minutes $1 whose counts are
// still $2: those not marked again since they were read.
func rollupUnmarkSQL(n pgschema.Names) string {
	return "DELETE FROM " + rollupDirtyName(n) + " AS d USING unnest($1::timestamptz[], $2::bigint[]) AS r(minute, marks)\n" +
		"WHERE d.minute = r.minute AND d.marks = r.marks"
}
