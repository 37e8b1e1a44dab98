package pgurl

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Parse parses a PostgreSQL URL or key=value connection string for
// pgxpool. A URL's scheme must be postgres or postgresql: pgx would read
// "postgress://..." as key=value settings, and send what it could not read
// to the server as run-time parameters. Its error is one line, as
// ConnectError's, that wraps nothing: pgx's own parse error holds the
// password.
func Parse(connString string) (*pgxpool.Config, error) {
	if loc := urlScheme.FindStringIndex(connString); loc != nil {
		if scheme := connString[:loc[1]-len("://")]; scheme != "postgres" && scheme != "postgresql" {
			return nil, newConnError(connString, fmt.Sprintf("unknown URL scheme %q: want postgres:// or postgresql://", scheme), nil)
		}
		// pgx, like libpq, ends the user name and password at the first
		// '@': a second one would make the rest of the password the host.
		beforeQuery, _, _ := strings.Cut(connString[loc[1]:], "?")
		if strings.Count(beforeQuery, "@") > 1 {
			return nil, newConnError(connString, `more than one "@" before the host: write "@" in a user name or password as %40`, nil)
		}
	} else if !strings.Contains(connString, "=") {
		return nil, newConnError(connString,
			"neither a URL (postgres://user:password@host:port/database) nor key=value settings", nil)
	}
	pc, err := pgxpool.ParseConfig(connString)
	if err != nil {
		// pgx's text repeats the connection string, its passwords masked
		// only as far as pgx could parse it: keep what follows it.
		cause := err.Error()
		if rest, ok := strings.CutPrefix(cause, "cannot parse `"); ok {
			if i := strings.LastIndex(rest, "`: "); i >= 0 {
				cause = rest[i+len("`: "):]
			}
		}
		// A *pgconn.ParseConfigError holds the connection string, password
		// included: it is not wrapped.
		return nil, newConnError(connString, cause, nil)
	}
	return pc, nil
}
