package pgreader

import "errors"

// defaultSchema is the schema read when Config.Schema is empty, the
// default of the exporter's Config.Schema.
const defaultSchema = "public"

// Config configures a Reader. Only URL is required.
type Config struct {
	// URL is the database to read. Required. A PostgreSQL URL
	// (postgres://user:pass@host:port/db?sslmode=...) or key=value
	// connection string, as pgx accepts; pool_max_conns and the other
	// pgxpool parameters are honoured. Its role needs USAGE on the schema
	// and SELECT on the tables (see "Privileges" in the documentation of
	// exporters/postgres).
	URL string

	// Schema holds the tables, as the exporter's Config.Schema. Defaults
	// to "public".
	Schema string
}

// withDefaults validates c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	if c.URL == "" {
		return c, errors.New("pgreader: Config.URL is required")
	}
	if c.Schema == "" {
		c.Schema = defaultSchema
	}
	return c, nil
}
