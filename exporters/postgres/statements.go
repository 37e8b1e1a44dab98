package postgres

import (
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// Write strategy. A flush writes its points with COPY in binary format
// straight into the partition of the snapshot's day: the snapshot time is
// the same for every row, and Export ensures that partition before writing.
// COPY into the partition spares the server the tuple routing, the parsing
// of one statement's worth of array parameters, the unnesting and the text
// to array casts, leaving it little but the heap and primary key inserts.
// The rows are encoded here as pgconn reads them (see copyReader), so that
// encoding, sending and inserting overlap. COPY is one statement, so one
// implicit transaction: it stores all its rows or none. A large flush is
// copied in parts, each a COPY of its own in a connection of its own, at
// once (see rowsPerCopy).
//
// COPY has no ON CONFLICT. A point already stored (a retry of a flush that
// was committed but whose answer was lost, or another process writing the
// same series) fails it with a unique violation, and the flush is then
// written again by INSERT ... SELECT unnest(...) ON CONFLICT (series_id, ts)
// DO NOTHING through the parent table (pointsSQL), which skips the stored
// points; a snapshot offered again after a failed Export goes to that
// statement straight away. When the day has no partition (its creation
// failed, it is past retention, or it was dropped since), the points go
// through the parent by the same INSERT, first without ON CONFLICT, and
// tuple routing puts them in the default partition. That statement sends
// each column as one array; the bucket arrays, which differ in length from
// row to row and cannot be unnested from a ragged 2-D array, travel as the
// text of array literals ("{3,17,40}") cast per row, built only when the
// statement is used. See Exporter.writePoints.
//
// A late snapshot's minute is marked for the rollups to roll up again:
// by a statement of its own after the COPY, in the INSERT itself (see
// rollup_mark.go).
//
// Series this process has not stored yet are upserted before the points,
// by a statement of their own (seriesSQL) that returns those whose id is
// already stored for another name or tags (a hash collision): their points
// are taken out of the batch before it is written. A flush whose points
// then fail leaves its new series stored, which is harmless: the retry
// finds them stored as they are. Retrying a flush never duplicates a row:
// points already stored are skipped by ON CONFLICT, and series by ON
// CONFLICT (id) DO NOTHING.

// pointsSQL inserts a flush's points; $1 is the snapshot time, $2 the
// series ids, then one array per column. Without onConflict, a point
// already stored fails the statement with a unique violation (and it
// inserts nothing); see Exporter.writePoints. In the same statement, it
// marks the minute of $1 for the rollups (see rollup_mark.go): PostgreSQL
// runs that WITH query, which the INSERT does not read, after the INSERT,
// so the mark's row is locked only until the commit.
func pointsSQL(n pgschema.Names, onConflict bool) string {
	cols, sel, from := pointsColumns()
	sql := "WITH mark AS (" + rollupMarkSQL(n) + ")\n" +
		"INSERT INTO " + n.Points + " (" + cols + ")\n" +
		"SELECT " + sel + "\nFROM " + from
	if onConflict {
		sql += "\nON CONFLICT (series_id, ts) DO NOTHING"
	}
	return sql
}

// seriesSQL upserts the series given in $1.. (ids, names, tags as JSON
// text, kinds, units) and returns those that were neither inserted by it
// nor found stored under the same name and tags, as (id, stored name,
// stored tags): with a stored name, a collision, whose points must not be
// written; with a NULL name, a row committed by another process after this
// statement's snapshot was taken, so not verifiable now (its points are
// written, and the series is checked again at the next flush).
func seriesSQL(n pgschema.Names) string {
	return "WITH s_in AS (\n" +
		"  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])\n" +
		"    AS t(id, name, tags, kind, unit)\n" +
		"), s_ins AS (\n" +
		"  INSERT INTO " + n.Series + " (id, name, tags, kind, unit)\n" +
		"  SELECT id, name, tags::jsonb, kind, unit FROM s_in\n" +
		"  ON CONFLICT (id) DO NOTHING RETURNING id\n" +
		")\n" +
		"SELECT i.id, s.name, s.tags::text AS tags FROM s_in i\n" +
		"LEFT JOIN " + n.Series + " s ON s.id = i.id\n" +
		"WHERE NOT EXISTS (SELECT 1 FROM s_ins WHERE s_ins.id = i.id)\n" +
		"  AND (s.id IS NULL OR s.name <> i.name OR s.tags <> i.tags::jsonb)"
}

// copySQL copies a flush's points, as copyReader encodes them, into the
// partition of day. Without ON CONFLICT, which COPY lacks, a point already
// stored fails it with a unique violation, and it inserts nothing.
func copySQL(n pgschema.Names, day time.Time) string {
	cols, _, _ := pointsColumns()
	return "COPY " + pgx.Identifier{n.Schema, partitionName(day)}.Sanitize() + " (" + cols + ") FROM STDIN (FORMAT binary)"
}

// pointsColumns returns the column list, the select list and the FROM
// item of pointsSQL (and the column list of copySQL). The arrays are expanded by unnest calls
// in a select list, which PostgreSQL runs in lockstep and streams (a
// ProjectSet node), rather than by unnest(a, b, ...) in FROM, which
// materialises every array in its own tuplestore first and, for 100,000
// rows, spills them to temporary files.
func pointsColumns() (cols, sel, from string) {
	var c, s, f strings.Builder
	c.WriteString("series_id, ts")
	s.WriteString("u.series_id, $1::timestamptz")
	f.WriteString("(SELECT unnest($2::bigint[]) AS series_id")
	arg := 3
	for _, name := range intCols {
		fmt.Fprintf(&c, ", %s", name)
		fmt.Fprintf(&s, ", u.%s", name)
		fmt.Fprintf(&f, ", unnest($%d::bigint[]) AS %s", arg, name)
		arg++
	}
	for _, name := range floatCols {
		fmt.Fprintf(&c, ", %s", name)
		fmt.Fprintf(&s, ", u.%s", name)
		fmt.Fprintf(&f, ", unnest($%d::double precision[]) AS %s", arg, name)
		arg++
	}
	c.WriteString(", bucket_idx, bucket_cnt")
	s.WriteString(", u.bucket_idx::integer[], u.bucket_cnt::bigint[]")
	fmt.Fprintf(&f, ", unnest($%d::text[]) AS bucket_idx, unnest($%d::text[]) AS bucket_cnt) AS u", arg, arg+1)
	return c.String(), s.String(), f.String()
}
