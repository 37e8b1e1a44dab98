package postgres

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

const (
	defaultSchema              = "public"
	defaultRetention           = 30 * 24 * time.Hour
	defaultPartitionsAhead     = 3
	defaultMaintenanceInterval = time.Hour
	defaultTimeout             = 10 * time.Second
	defaultCompactAfter        = 10 * time.Minute
)

// Config configures an Exporter. Only URL is required; the zero value of
// every other field is a good default.
type Config struct {
	// URL is the database to write to. Required. A PostgreSQL URL
	// (postgres://user:pass@host:port/db?sslmode=...) or key=value
	// connection string, as pgx accepts; pool_max_conns and the other
	// pgxpool parameters are honoured. Its role needs the privileges listed
	// under "Privileges" in the package documentation.
	URL string

	// Schema holds the tables. Defaults to "public". It is created if
	// missing.
	Schema string

	// Retention is how long points are kept. Defaults to 30 days. Whole
	// daily partitions that ended longer ago than this are dropped; rows
	// are never DELETEd.
	Retention time.Duration

	// PartitionsAhead is how many days of partitions are created beyond
	// today. Defaults to 3.
	PartitionsAhead int

	// MaintenanceInterval is how often partitions are created ahead, rows
	// stranded in the default partition are moved to their own and expired
	// partitions are dropped (compaction runs as hours close, and at least
	// this often). Defaults to 1 hour.
	// Maintenance also runs in New. The rollups run every minute, or every
	// MaintenanceInterval when that is shorter.
	MaintenanceInterval time.Duration

	// CompactAfter is how long after the end of a UTC hour the
	// maintenance compacts the hour's points into vitals_blocks (see
	// Exporter.Compact and vitals_points_all); points written later are
	// merged into its blocks by the next run. Defaults to 10 minutes.
	// Negative: never (Compact still works).
	CompactAfter time.Duration

	// Timeout bounds, within the caller's context, each batch of
	// statements: one Export, each step of New, one maintenance run.
	// Defaults to 10 s.
	Timeout time.Duration

	// Logger receives background errors and hash collisions. Defaults to
	// slog.Default().
	Logger *slog.Logger
}

// withDefaults validates c and fills in its defaults. Every problem is
// listed in the one error it returns.
func (c Config) withDefaults() (Config, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if c.URL == "" {
		bad("Config.URL is required")
	}
	if c.Retention < 0 {
		bad("Config.Retention is negative (%v)", c.Retention)
	}
	if c.PartitionsAhead < 0 {
		bad("Config.PartitionsAhead is negative (%d)", c.PartitionsAhead)
	}
	if c.MaintenanceInterval < 0 {
		bad("Config.MaintenanceInterval is negative (%v)", c.MaintenanceInterval)
	}
	if c.Timeout < 0 {
		bad("Config.Timeout is negative (%v)", c.Timeout)
	}
	if len(problems) > 0 {
		return c, errors.New("postgres: " + strings.Join(problems, "; "))
	}
	c.Schema = cmp.Or(c.Schema, defaultSchema)
	c.Retention = cmp.Or(c.Retention, defaultRetention)
	c.PartitionsAhead = cmp.Or(c.PartitionsAhead, defaultPartitionsAhead)
	c.MaintenanceInterval = cmp.Or(c.MaintenanceInterval, defaultMaintenanceInterval)
	c.Timeout = cmp.Or(c.Timeout, defaultTimeout)
	c.CompactAfter = cmp.Or(c.CompactAfter, defaultCompactAfter)
	c.Logger = cmp.Or(c.Logger, slog.Default())
	return c, nil
}
