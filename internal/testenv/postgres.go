package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// PostgresURLEnv names the environment variable that, when set, makes
// Postgres return a server at that URL instead of starting one.
const PostgresURLEnv = "VITALS_TEST_POSTGRES_URL"

// PostgresDatabase is the database created in the throwaway server.
const PostgresDatabase = "vitals_test"

// PostgresServer is a PostgreSQL server shared by the tests of a test binary.
type PostgresServer struct {
	// URL is a connection URL for database PostgresDatabase, such as
	// postgres://postgres@127.0.0.1:PORT/vitals_test?sslmode=disable
	// (trust authentication, no password).
	URL string

	external bool // from PostgresURLEnv: Stop and Start are not possible

	mu      sync.Mutex
	bin     string // directory of the PostgreSQL binaries
	dir     string // temporary directory: data/, sock/, postgres.log
	port    int
	cred    *syscall.Credential // nil when not running as root
	env     []string
	proc    *proc
	logPath string
}

var pg struct {
	once sync.Once
	srv  *PostgresServer
	err  error
}

// Postgres returns the PostgreSQL server of this test binary, starting it
// on first use: a throwaway server on 127.0.0.1 with database
// PostgresDatabase, superuser "postgres" and trust authentication, tuned for
// speed rather than durability (fsync=off). If the environment variable
// VITALS_TEST_POSTGRES_URL is set, a server at that URL is used instead.
//
// If the server cannot be started, the test is skipped, or fails when CI is
// true; a start-up error is remembered and reported to every caller.
func Postgres(t testing.TB) *PostgresServer {
	t.Helper()
	if u := os.Getenv(PostgresURLEnv); u != "" {
		return &PostgresServer{URL: u, external: true}
	}
	requireMain(t)
	pg.once.Do(func() { pg.srv, pg.err = startPostgres() })
	if pg.err != nil {
		unavailable(t, "PostgreSQL", "postgresql", pg.err)
	}
	return pg.srv
}

// postgresBinDir finds the directory holding the PostgreSQL server binaries:
// the highest version under /usr/lib/postgresql/*/bin (Debian), else the
// directory of initdb on PATH.
func postgresBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(dir string) []int {
		var v []int
		for _, f := range strings.Split(filepath.Base(filepath.Dir(dir)), ".") {
			n, _ := strconv.Atoi(f)
			v = append(v, n)
		}
		return v
	}
	sort.Slice(dirs, func(i, j int) bool {
		a, b := version(dirs[i]), version(dirs[j])
		for k := 0; k < len(a) && k < len(b); k++ {
			if a[k] != b[k] {
				return a[k] > b[k]
			}
		}
		return len(a) > len(b)
	})
	for _, dir := range dirs {
		if hasPostgresBinaries(dir) {
			return dir, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if dir := filepath.Dir(p); hasPostgresBinaries(dir) {
			return dir, nil
		}
	}
	return "", errors.New("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin or on PATH")
}

func hasPostgresBinaries(dir string) bool {
	for _, name := range []string{"initdb", "postgres", "pg_isready", "psql"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// postgresEnv is the environment of PostgreSQL processes: ours without PG*
// variables that could redirect the tools elsewhere.
func postgresEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+home)
}

func startPostgres() (*PostgresServer, error) {
	bin, err := postgresBinDir()
	if err != nil {
		return nil, err
	}
	p := &PostgresServer{bin: bin}

	// PostgreSQL refuses to run as root: run it as the postgres system user.
	var uid, gid int = -1, -1
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root and cannot find the postgres system user: %v", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		p.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}

	if p.dir, err = makeTempDir("pg"); err != nil {
		return nil, err
	}
	p.logPath = filepath.Join(p.dir, "postgres.log")
	sock := filepath.Join(p.dir, "sock")
	if err := os.Mkdir(sock, 0o700); err != nil {
		return nil, err
	}
	if p.cred != nil {
		for _, d := range []string{p.dir, sock} {
			if err := os.Chown(d, uid, gid); err != nil {
				return nil, err
			}
		}
	}
	p.env = postgresEnv(p.dir)
	if err := register(p.shutdown); err != nil {
		return nil, err
	}

	fail := func(format string, args ...any) error {
		return &startError{err: fmt.Errorf(format, args...), logTail: logTail(p.logPath)}
	}

	initdb, err := startProc(filepath.Join(bin, "initdb"), []string{
		"-D", p.dataDir(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
	}, p.dir, p.logPath, p.cred, p.env)
	if err != nil {
		return nil, fail("initdb: %v", err)
	}
	<-initdb.done
	if initdb.err != nil {
		return nil, fail("initdb: %v", initdb.err)
	}

	if p.port, err = freePort(false); err != nil {
		return nil, err
	}
	p.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.port, PostgresDatabase)
	if err := p.Start(); err != nil {
		return nil, err
	}

	createdb := exec.Command(filepath.Join(bin, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
		"-d", p.adminURL(), "-c", "CREATE DATABASE "+PostgresDatabase)
	createdb.Env = p.env
	createdb.Dir = p.dir
	if out, err := createdb.CombinedOutput(); err != nil {
		return nil, fail("create database: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return p, nil
}

func (p *PostgresServer) dataDir() string { return filepath.Join(p.dir, "data") }

// adminURL is a URL for the always-present postgres database.
func (p *PostgresServer) adminURL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=5", p.port)
}

// Start starts the server again after Stop, on the same port and data
// directory, and waits until it accepts connections. It does nothing if the
// server is running.
//
// Start and Stop act on the server shared by every test of the binary: a
// test using them must not run in parallel with other tests that use the
// server, and should restart the server before it ends (for instance with
// t.Cleanup).
func (p *PostgresServer) Start() error {
	if p.external {
		return fmt.Errorf("testenv: cannot start the PostgreSQL server given by %s", PostgresURLEnv)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.proc != nil && !p.proc.exited() {
		return nil
	}
	sockDir := filepath.Join(p.dir, "sock")
	if len(sockDir) > 90 { // too long for a Unix socket path: TCP only
		sockDir = ""
	}
	proc, err := startProc(filepath.Join(p.bin, "postgres"), []string{
		"-D", p.dataDir(),
		"-h", "127.0.0.1",
		"-p", strconv.Itoa(p.port),
		"-k", sockDir,
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "max_connections=200",
		"-c", "shared_buffers=32MB",
	}, p.dir, p.logPath, p.cred, p.env)
	if err != nil {
		return &startError{err: fmt.Errorf("postgres: %v", err), logTail: logTail(p.logPath)}
	}
	p.proc = proc
	addr := fmt.Sprintf("127.0.0.1:%d", p.port)
	isready := filepath.Join(p.bin, "pg_isready")
	err = waitReady(proc, func() error {
		if err := tcpReady(addr); err != nil {
			return err
		}
		cmd := exec.Command(isready, "-q", "-t", "2", "-d", p.adminURL())
		cmd.Env = p.env
		cmd.Dir = p.dir
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("pg_isready: %v", err)
		}
		return nil
	})
	if err != nil {
		_ = proc.stop(syscall.SIGQUIT)
		return &startError{err: fmt.Errorf("postgres: %v", err), logTail: logTail(p.logPath)}
	}
	return nil
}

// Stop shuts the server down (fast shutdown: open connections are
// terminated) and waits for it to exit. Its port and data are kept for
// Start. It does nothing if the server is not running. See Start about
// stopping the shared server.
func (p *PostgresServer) Stop() error {
	if p.external {
		return fmt.Errorf("testenv: cannot stop the PostgreSQL server given by %s", PostgresURLEnv)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.proc == nil {
		return nil
	}
	err := p.proc.stop(syscall.SIGINT)
	if err != nil {
		err = fmt.Errorf("postgres: %v", err)
	}
	return err
}

// shutdown is the Main cleanup: stop the server if running.
func (p *PostgresServer) shutdown() error { return p.Stop() }
