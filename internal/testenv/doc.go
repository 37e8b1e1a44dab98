// Package testenv starts throwaway real servers (PostgreSQL, VictoriaMetrics)
// for tests.
//
// Servers are started lazily, at most once per test binary, on free ports on
// 127.0.0.1, with their data under os.TempDir()/vitals-testenv-*. They are
// shared by every test of the binary, so tests must not assume an empty
// server: use unique table, database or metric names.
//
// A package using testenv must route its TestMain through Main, which stops
// the servers and deletes their data when the tests are done:
//
//	func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
//
// If a server cannot be started (binary not installed, start-up failure) the
// calling test is skipped with installation instructions, or fails when the
// environment variable CI is true.
//
// Child processes get SIGKILL when the test binary dies (Linux Pdeathsig), and
// data directories left behind by killed test binaries are removed by the next
// test binary that starts a server.
package testenv
