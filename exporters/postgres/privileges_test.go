package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/internal/testkit"
)

var roleSeq atomic.Int64

// xpRole creates a login role with no privilege beyond PUBLIC's (CONNECT
// on the database; since PostgreSQL 15 nothing on schema public) and
// returns its name, the name quoted as an SQL identifier, and a URL that
// connects as it (the test server trusts every connection). The name
// holds capitals and a space, so that SQL needs it quoted. The role and
// what it owns are dropped at cleanup.
func xpRole(t *testing.T, admin *pgxpool.Pool, serverURL string) (role, quoted, roleURL string) {
	t.Helper()
	role = fmt.Sprintf("Vitals Role %d_%d", time.Now().UnixNano(), roleSeq.Add(1))
	quoted = pgx.Identifier{role}.Sanitize()
	adminExec(t, admin, "CREATE ROLE "+quoted+" LOGIN")
	t.Cleanup(func() {
		ctx := context.Background()
		for _, stmt := range []string{"DROP OWNED BY " + quoted + " CASCADE", "DROP ROLE " + quoted} {
			if _, err := admin.Exec(ctx, stmt); err != nil {
				t.Errorf("%s: %v", stmt, err)
			}
		}
	})
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	return role, quoted, u.String()
}

// currentDatabase is the name of the test server's database.
func currentDatabase(t *testing.T, admin *pgxpool.Pool) string {
	t.Helper()
	var db string
	if err := admin.QueryRow(xpCtx(t), "SELECT current_database()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	return db
}

// adminExec runs statements as the test server's superuser.
func adminExec(t *testing.T, admin *pgxpool.Pool, stmts ...string) {
	t.Helper()
	for _, stmt := range stmts {
		if _, err := admin.Exec(xpCtx(t), stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

// newAs runs New for schema at roleURL; the Exporter is shut down at
// cleanup.
func newAs(t *testing.T, roleURL, schema string) (*Exporter, error) {
	t.Helper()
	var logs testkit.Buffer
	e, err := New(xpCtx(t), Config{URL: roleURL, Schema: schema, Logger: newTestLogger(&logs)})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() {
		if err := e.Shutdown(context.Background()); err != nil && !errors.Is(err, exporters.ErrShutdown) {
			t.Errorf("Shutdown: %v", err)
		}
		if t.Failed() {
			t.Logf("exporter logs:\n%s", logs.String())
		}
	})
	return e, nil
}

// wantRefused checks that New as roleURL fails with exactly want, and
// returns the GRANT statement that the error says to run.
func wantRefused(t *testing.T, roleURL, schema, want string) (grant string) {
	t.Helper()
	_, err := newAs(t, roleURL, schema)
	if err == nil {
		t.Fatalf("New succeeded; want %q", want)
	}
	if err.Error() != want {
		t.Fatalf("New: %v\nwant:  %s", err, want)
	}
	_, grant, _ = strings.Cut(err.Error(), ": run ")
	grant, _, _ = strings.Cut(grant, ", or ")
	return grant
}

// exportAs checks that e writes a snapshot that reads back whole.
func exportAs(t *testing.T, e *Exporter, admin *pgxpool.Pool) {
	t.Helper()
	snap := registryOfEveryKind(t).Peek()
	if err := e.Export(xpCtx(t), snap); err != nil {
		t.Fatalf("Export: %v", err)
	}
	checkStored(t, admin, e.cfg.Schema, snap)
}

// TestPrivilegesCreateSchema: a role without CREATE on the database may not
// create the schema; New says which GRANT to run, and once it is run New
// creates everything.
func TestPrivilegesCreateSchema(t *testing.T) {
	t.Parallel()
	admin, srv := xpPool(t)
	role, quoted, roleURL := xpRole(t, admin, srv.URL)
	schema := xpSchema(t)
	database := currentDatabase(t, admin)

	grant := wantRefused(t, roleURL, schema, fmt.Sprintf(
		`postgres: role %q may not create schema %q in database %q: run GRANT CREATE ON DATABASE %s TO %s, or create the schema: CREATE SCHEMA %s AUTHORIZATION %s`,
		role, schema, database, database, quoted, schema, quoted))
	adminExec(t, admin, grant)
	e, err := newAs(t, roleURL, schema)
	if err != nil {
		t.Fatal(err)
	}
	exportAs(t, e, admin)
}

// TestPrivilegesExistingSchema: in a schema created by an administrator,
// USAGE and CREATE on the schema are enough, without CREATE on the
// database: CREATE SCHEMA IF NOT EXISTS, which PostgreSQL refuses without
// it even when the schema exists, is not run.
func TestPrivilegesExistingSchema(t *testing.T) {
	t.Parallel()
	admin, srv := xpPool(t)
	role, quoted, roleURL := xpRole(t, admin, srv.URL)
	schema := xpSchema(t)
	adminExec(t, admin, "CREATE SCHEMA "+schema)
	want := fmt.Sprintf(`postgres: role %q may not create tables in schema %q: run GRANT USAGE, CREATE ON SCHEMA %s TO %s`,
		role, schema, schema, quoted)

	wantRefused(t, roleURL, schema, want)
	adminExec(t, admin, fmt.Sprintf("GRANT USAGE ON SCHEMA %s TO %s", schema, quoted))
	grant := wantRefused(t, roleURL, schema, want)
	adminExec(t, admin, grant)
	e, err := newAs(t, roleURL, schema)
	if err != nil {
		t.Fatal(err)
	}
	exportAs(t, e, admin)
	if created, err := e.parts.create(xpCtx(t), time.Now().AddDate(0, 0, 20)); err != nil || !created {
		t.Fatalf("create a partition: created %v, %v", created, err)
	}
}

// TestPrivilegesSharedTables: a role that may only write into tables owned
// by another cannot keep the partitions (PostgreSQL lets only a table's
// owner attach and drop partitions); New names the role membership to
// grant. A member then creates partitions owned by the tables' owner, so
// that the owner and every member can write into and drop them.
func TestPrivilegesSharedTables(t *testing.T) {
	t.Parallel()
	admin, srv := xpPool(t)
	owner, qOwner, ownerURL := xpRole(t, admin, srv.URL)
	writer, qWriter, writerURL := xpRole(t, admin, srv.URL)
	schema := xpSchema(t)
	adminExec(t, admin,
		"CREATE SCHEMA "+schema,
		fmt.Sprintf("GRANT USAGE, CREATE ON SCHEMA %s TO %s", schema, qOwner))
	byOwner, err := newAs(t, ownerURL, schema)
	if err != nil {
		t.Fatal(err)
	}
	adminExec(t, admin,
		fmt.Sprintf("GRANT USAGE ON SCHEMA %s TO %s", schema, qWriter),
		fmt.Sprintf("GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA %s TO %s", schema, qWriter))

	grant := wantRefused(t, writerURL, schema, fmt.Sprintf(
		`postgres: role %q may not create and drop partitions of the vitals tables in schema %q, owned by role %q: run GRANT %s TO %s`,
		writer, schema, owner, qOwner, qWriter))
	adminExec(t, admin, grant)
	byWriter, err := newAs(t, writerURL, schema)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Now().AddDate(0, 0, 20)
	if created, err := byWriter.parts.create(xpCtx(t), day); err != nil || !created {
		t.Fatalf("create a partition as a member of the owner: created %v, %v", created, err)
	}
	var partitionOwner string
	err = admin.QueryRow(xpCtx(t), "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass($1)",
		pgx.Identifier{schema, partitionName(day)}.Sanitize()).Scan(&partitionOwner)
	if err != nil {
		t.Fatal(err)
	}
	if partitionOwner != owner {
		t.Fatalf("the partition created by %s is owned by %s, want %s", writer, partitionOwner, owner)
	}
	exportAs(t, byWriter, admin)
	exportAs(t, byOwner, admin)
	if err := byOwner.parts.drop(xpCtx(t), day); err != nil {
		t.Fatalf("the owner drops the partition created by a member: %v", err)
	}

	// The owner may no longer create tables in the schema: neither may
	// the member, who acts as the owner to create partitions.
	adminExec(t, admin, fmt.Sprintf("REVOKE CREATE ON SCHEMA %s FROM %s", schema, qOwner))
	wantRefused(t, writerURL, schema, fmt.Sprintf(
		`postgres: role %q, owner of the vitals tables, may not create tables in schema %q: run GRANT USAGE, CREATE ON SCHEMA %s TO %s`,
		owner, schema, schema, qOwner))
	wantRefused(t, ownerURL, schema, fmt.Sprintf(
		`postgres: role %q may not create tables in schema %q: run GRANT USAGE, CREATE ON SCHEMA %s TO %s`,
		owner, schema, schema, qOwner))
}
