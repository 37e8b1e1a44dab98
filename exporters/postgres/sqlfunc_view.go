package postgres

import "github.com/vitals-go/vitals/internal/pgschema"

// namedPointsViewSQL returns the statement that creates, or replaces, the
// view vitals_points_named: the rows of points, a table or view with the
// columns of vitals_points in its order (n.Points, or vitals_points_all
// once blocks exist), each with its series' name, tags, kind and unit in
// front. A migration that re-points the view runs it again with the new
// source: the columns stay the same, so the view keeps its comments and
// grants.
func namedPointsViewSQL(n pgschema.Names, points string) string {
	return "CREATE OR REPLACE VIEW " + n.Named + " AS " +
		"SELECT s.name, s.tags, s.kind, s.unit, p.* FROM " + points + " AS p " +
		"JOIN " + n.Series + " AS s ON s.id = p.series_id"
}

// namedPointsCommentsSQL documents vitals_points_named and its columns.
func namedPointsCommentsSQL(n pgschema.Names) []string {
	var cols []columnComment
	for _, c := range seriesColumnComments {
		switch c.column {
		case "name", "tags", "kind", "unit":
			cols = append(cols, c)
		}
	}
	cols = append(cols, pointsColumnComments...)
	return columnCommentsSQL("VIEW", n.Named,
		"The rows of vitals_points, each with its series' name, tags, kind and unit (from vitals_series): "+
			"the table to query by hand, for instance WHERE name = 'http.server' AND tags @> '{\"handler\": \"/checkout\"}' "+
			"AND ts > now() - interval '1 hour'. See the comments on vitals_points for what each column holds by kind; "+
			"timers are in nanoseconds.", cols)
}
