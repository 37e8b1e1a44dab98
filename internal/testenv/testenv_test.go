package testenv

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// psql runs SQL against url with the psql binary and returns its unaligned,
// tuples-only output.
func psql(t *testing.T, url, sql string) (string, error) {
	t.Helper()
	bin, err := postgresBinDir()
	if err != nil {
		t.Fatalf("psql: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql)
	cmd.Env = postgresEnv(t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("psql: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}

func mustPsql(t *testing.T, url, sql string) string {
	t.Helper()
	out, err := psql(t, url, sql)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPostgres(t *testing.T) {
	p := Postgres(t)
	if !strings.HasPrefix(p.URL, "postgres://") || !strings.Contains(p.URL, "/"+PostgresDatabase+"?") {
		t.Errorf("URL = %q", p.URL)
	}
	if p2 := Postgres(t); p2.URL != p.URL {
		t.Errorf("second call: URL %q, want %q", p2.URL, p.URL)
	}
	mustPsql(t, p.URL, `CREATE TABLE testenv_rw (id int PRIMARY KEY, name text NOT NULL)`)
	t.Cleanup(func() { _, _ = psql(t, p.URL, `DROP TABLE testenv_rw`) })
	mustPsql(t, p.URL, `INSERT INTO testenv_rw VALUES (1, 'héllo wörld'), (2, 'two')`)
	if got, want := mustPsql(t, p.URL, `SELECT name FROM testenv_rw WHERE id = 1`), "héllo wörld"; got != want {
		t.Errorf("SELECT = %q, want %q", got, want)
	}
	if got, want := mustPsql(t, p.URL, `SELECT current_database() || ' ' || current_user || ' ' || current_setting('fsync')`), PostgresDatabase+" postgres off"; got != want {
		t.Errorf("settings = %q, want %q", got, want)
	}
}

func TestPostgresStopStart(t *testing.T) {
	p := Postgres(t)
	if p.external {
		t.Skipf("%s is set: cannot stop an external server", PostgresURLEnv)
	}
	t.Cleanup(func() {
		if err := p.Start(); err != nil {
			t.Errorf("restart in cleanup: %v", err)
		}
	})
	mustPsql(t, p.URL, `CREATE TABLE testenv_restart (v text)`)
	t.Cleanup(func() { _, _ = psql(t, p.URL, `DROP TABLE testenv_restart`) })
	mustPsql(t, p.URL, `INSERT INTO testenv_restart VALUES ('survives')`)
	url := p.URL

	start := time.Now()
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("Stop took %v", time.Since(start))
	if err := p.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if out, err := psql(t, p.URL, `SELECT 1`); err == nil {
		t.Fatalf("query succeeded on a stopped server: %q", out)
	}

	start = time.Now()
	if err := p.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("Start took %v", time.Since(start))
	if p.URL != url {
		t.Errorf("URL changed from %q to %q", url, p.URL)
	}
	if got := mustPsql(t, p.URL, `SELECT v FROM testenv_restart`); got != "survives" {
		t.Errorf("after restart: %q, want %q", got, "survives")
	}
}

// waitExport polls Export until it returns want series, or fails after 20 s.
func waitExport(t *testing.T, v *VMServer, match string, want int) []ExportedSeries {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		if err := v.ForceFlush(ctx); err != nil {
			t.Fatalf("ForceFlush: %v", err)
		}
		got, err := v.Export(ctx, match)
		if err != nil {
			t.Fatalf("Export: %v", err)
		}
		if len(got) >= want {
			return got
		}
		select {
		case <-ctx.Done():
			t.Fatalf("Export(%s): %d series after 20s, want %d: %+v", match, len(got), want, got)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func sendTelnet(t *testing.T, addr string, lines ...string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(strings.Join(lines, "\n") + "\n")); err != nil {
		t.Fatal(err)
	}
}

func sendHTTPPut(t *testing.T, baseURL, body string) {
	t.Helper()
	resp, err := http.Post(baseURL+"/api/put", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /api/put: %s", resp.Status)
	}
}

func TestVictoriaMetrics(t *testing.T) {
	v := VictoriaMetrics(t)
	ctx := context.Background()

	// Telnet timestamps are in seconds; HTTP ones in seconds or milliseconds.
	sendTelnet(t, v.OpenTSDBTelnetAddr, "put testenv.telnet 1700000000 1.5 host=a dc=x")
	sendHTTPPut(t, v.OpenTSDBHTTPURL, `{"metric":"testenv.http","timestamp":1700000001234,"value":-2.25,"tags":{"host":"b"}}`)

	got := waitExport(t, v, `{__name__=~"testenv\\.(telnet|http)"}`, 2)
	want := []ExportedSeries{
		{Name: "testenv.http", Tags: map[string]string{"host": "b"}, Values: []float64{-2.25}, Timestamps: []int64{1700000001234}},
		{Name: "testenv.telnet", Tags: map[string]string{"dc": "x", "host": "a"}, Values: []float64{1.5}, Timestamps: []int64{1700000000000}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Export:\n got %+v\nwant %+v", got, want)
	}

	for _, name := range []string{"vm_rows_invalid_total", "vm_rows_ignored_total"} {
		n, err := v.Metric(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s = %v, want 0", name, n)
		}
	}
	n, err := v.Metric(ctx, "vm_rows_inserted_total")
	if err != nil {
		t.Fatal(err)
	}
	if n < 2 {
		t.Errorf("vm_rows_inserted_total = %v, want >= 2", n)
	}
	if _, err := v.Metric(ctx, "vm_no_such_metric_total"); err == nil {
		t.Errorf("Metric of an unknown name: no error")
	}
}

func TestVictoriaMetricsStopStart(t *testing.T) {
	v := VictoriaMetrics(t)
	t.Cleanup(func() {
		if err := v.Start(); err != nil {
			t.Errorf("restart in cleanup: %v", err)
		}
	})
	sendHTTPPut(t, v.OpenTSDBHTTPURL, `[{"metric":"testenv.restart","timestamp":1700000100,"value":42,"tags":{"k":"v"}}]`)
	want := waitExport(t, v, "testenv.restart", 1)

	urls := [3]string{v.HTTPURL, v.OpenTSDBHTTPURL, v.OpenTSDBTelnetAddr}
	start := time.Now()
	if err := v.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("Stop took %v", time.Since(start))
	if err := v.ForceFlush(context.Background()); err == nil {
		t.Fatalf("ForceFlush succeeded on a stopped server")
	}

	start = time.Now()
	if err := v.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("Start took %v", time.Since(start))
	if got := [3]string{v.HTTPURL, v.OpenTSDBHTTPURL, v.OpenTSDBTelnetAddr}; got != urls {
		t.Errorf("addresses changed from %v to %v", urls, got)
	}
	got, err := v.Export(context.Background(), "testenv.restart")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after restart:\n got %+v\nwant %+v", got, want)
	}

	// Ingestion works again on both OpenTSDB listeners.
	sendTelnet(t, v.OpenTSDBTelnetAddr, "put testenv.restart2 1700000200 7 k=v")
	waitExport(t, v, "testenv.restart2", 1)
}

// TestVictoriaMetricsKill kills the server and starts it again: it is gone
// at once, and back on the same addresses.
func TestVictoriaMetricsKill(t *testing.T) {
	v := VictoriaMetrics(t)
	t.Cleanup(func() {
		if err := v.Start(); err != nil {
			t.Errorf("restart in cleanup: %v", err)
		}
	})
	urls := [3]string{v.HTTPURL, v.OpenTSDBHTTPURL, v.OpenTSDBTelnetAddr}
	if err := v.Kill(); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	for _, addr := range []string{v.OpenTSDBTelnetAddr, strings.TrimPrefix(v.OpenTSDBHTTPURL, "http://")} {
		if err := tcpReady(addr); err == nil {
			t.Fatalf("%s still accepts connections after Kill", addr)
		}
	}
	if err := v.Kill(); err != nil {
		t.Fatalf("second Kill: %v", err)
	}
	if err := v.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if got := [3]string{v.HTTPURL, v.OpenTSDBHTTPURL, v.OpenTSDBTelnetAddr}; got != urls {
		t.Errorf("addresses changed from %v to %v", urls, got)
	}
	sendHTTPPut(t, v.OpenTSDBHTTPURL, `[{"metric":"testenv.kill","timestamp":1700000300,"value":7,"tags":{"k":"v"}}]`)
	waitExport(t, v, "testenv.kill", 1)
}

func TestParseExportLine(t *testing.T) {
	line := `{"metric":{"__name__":"m","odd":"x\"values\":[1]"},"values":[1,+Inf,-Inf,NaN,null,2.5e-3],"timestamps":[1,2,3,4,5,6]}`
	s, err := parseExportLine(line)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "m" || !reflect.DeepEqual(s.Tags, map[string]string{"odd": `x"values":[1]`}) {
		t.Errorf("metric: %q %v", s.Name, s.Tags)
	}
	if !reflect.DeepEqual(s.Timestamps, []int64{1, 2, 3, 4, 5, 6}) {
		t.Errorf("timestamps: %v", s.Timestamps)
	}
	v := s.Values
	if len(v) != 6 || v[0] != 1 || !math.IsInf(v[1], 1) || !math.IsInf(v[2], -1) || !math.IsNaN(v[3]) || !math.IsNaN(v[4]) || v[5] != 0.0025 {
		t.Errorf("values: %v", v)
	}
	if _, err := parseExportLine(`{"metric":{"__name__":"m"},"values":[1,2],"timestamps":[1]}`); err == nil {
		t.Errorf("mismatched lengths: no error")
	}
}
