package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// The privileges the exporter needs, checked by New before it migrates
// (see "Privileges" in doc.go):
//
//   - to create the schema, when it does not exist: CREATE on the database;
//   - to create the tables, and then each day's partition: USAGE and
//     CREATE on the schema, held by the role that owns the tables;
//   - once the tables exist: the privileges of the role that owns them
//     (being it, or a member of it that inherits its privileges), because
//     PostgreSQL lets only the owner of a table attach and drop
//     partitions, and grants no privilege for it.

// privileges is what the connected role may do with a schema.
type privileges struct {
	user, database, owner      string // owner: of vitals_points, "" when it does not exist
	qUser, qDatabase, qOwner   string // the same, quoted as SQL identifiers when they need it
	qSchema                    string
	createSchema, schemaExists bool
	hasOwnerPrivs              bool // the user has the privileges of owner (always, without tables)
	actorUsage, actorCreateIn  bool // on the schema, of owner, or of the user without tables
}

// privilegesSQL reads privileges for schema $1, whose points table is $2. pg_class is looked up by
// name: to_regclass fails on a schema the role may not use.
const privilegesSQL = `
SELECT current_user, current_database(), coalesce(o.rolname, ''),
	quote_ident(current_user), quote_ident(current_database()), coalesce(quote_ident(o.rolname), ''), quote_ident($1),
	has_database_privilege(current_database(), 'CREATE'),
	n.oid IS NOT NULL,
	o.oid IS NULL OR pg_has_role(current_user, o.oid, 'USAGE'),
	n.oid IS NOT NULL AND has_schema_privilege(coalesce(o.rolname, current_user), n.oid, 'USAGE'),
	n.oid IS NOT NULL AND has_schema_privilege(coalesce(o.rolname, current_user), n.oid, 'CREATE')
FROM (SELECT) AS one
LEFT JOIN pg_namespace n ON n.nspname = $1
LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = $2
LEFT JOIN pg_roles o ON o.oid = c.relowner`

// checkPrivileges returns an error naming the GRANT to run when the
// connected role lacks a privilege that New or the maintenance would need
// for schema.
func checkPrivileges(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	var p privileges
	err := pool.QueryRow(ctx, privilegesSQL, schema, pgschema.PointsTable).Scan(
		&p.user, &p.database, &p.owner,
		&p.qUser, &p.qDatabase, &p.qOwner, &p.qSchema,
		&p.createSchema, &p.schemaExists, &p.hasOwnerPrivs, &p.actorUsage, &p.actorCreateIn)
	if err != nil {
		return fmt.Errorf("postgres: check privileges on schema %q: %w", schema, err)
	}
	return p.problem(schema)
}

// problem returns the first missing privilege as an error naming the
// GRANT that gives it, nil when none is missing.
func (p privileges) problem(schema string) error {
	switch {
	case !p.schemaExists && !p.createSchema:
		return fmt.Errorf("postgres: role %q may not create schema %q in database %q: run GRANT CREATE ON DATABASE %s TO %s, or create the schema: CREATE SCHEMA %s AUTHORIZATION %s",
			p.user, schema, p.database, p.qDatabase, p.qUser, p.qSchema, p.qUser)
	case !p.schemaExists:
		return nil // the user creates the schema, and owns it
	case !p.hasOwnerPrivs:
		return fmt.Errorf("postgres: role %q may not create and drop partitions of the vitals tables in schema %q, owned by role %q: run GRANT %s TO %s",
			p.user, schema, p.owner, p.qOwner, p.qUser)
	case !p.actorUsage || !p.actorCreateIn:
		who := fmt.Sprintf("role %q", p.user)
		grantee := p.qUser
		if p.owner != "" && p.owner != p.user {
			who = fmt.Sprintf("role %q, owner of the vitals tables,", p.owner)
			grantee = p.qOwner
		}
		return fmt.Errorf("postgres: %s may not create tables in schema %q: run GRANT USAGE, CREATE ON SCHEMA %s TO %s",
			who, schema, p.qSchema, grantee)
	}
	return nil
}
