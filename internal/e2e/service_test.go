package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/internal/testkit"
)

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestExampleServiceEndToEnd builds examples/service and runs it for a few
// 1-second intervals against both real backends, as an operator would
// configure it: through the environment. While it runs, its health socket
// shows both exporters; after it exits, both backends hold its metrics.
func TestExampleServiceEndToEnd(t *testing.T) {
	vm := testenv.VictoriaMetrics(t)
	pg := testenv.Postgres(t)
	bin := testenv.GoBuild(t, "../../examples/service")

	release := fmt.Sprintf("e2e-%d", time.Now().UnixNano())
	healthAddr := freeAddr(t)
	cmd := exec.Command(bin, "-run-for", "4s", "-latency", "2ms")
	cmd.Env = append(os.Environ(),
		"VITALS_RELEASE="+release,
		"VITALS_HEALTH_ADDR="+healthAddr,
		"VITALS_PPROF_ADDR="+freeAddr(t),
		"VITALS_FLUSH_INTERVAL=1s",
		"VITALS_OPENTSDB_URL="+vm.OpenTSDBHTTPURL,
		"VITALS_POSTGRES_URL="+pg.URL,
	)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill() //nolint:errcheck // may have exited already
	})

	// The health socket, read like nc does, once both exporters delivered.
	var report string
	testkit.Poll(t, 20*time.Second, "both exporters healthy on the health socket", func() bool {
		conn, err := net.Dial("tcp", healthAddr)
		if err != nil {
			return false
		}
		defer conn.Close()
		b, _ := io.ReadAll(conn)
		report = string(b)
		return strings.Contains(report, "GOOD Export opentsdb: last success") &&
			strings.Contains(report, "GOOD Export postgres: last success") &&
			!strings.Contains(report, "last success never")
	})
	if !strings.HasPrefix(report, "flows: "+release) {
		t.Fatalf("health report header:\n%s", report)
	}

	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("service exited with %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the service did not exit after -run-for")
	}

	// OpenTSDB (VictoriaMetrics): the process stage's p99, per queue.
	testkit.Poll(t, 20*time.Second, "stage.latency.p99 in VictoriaMetrics", func() bool {
		if vm.ForceFlush(context.Background()) != nil {
			return false
		}
		series, err := vm.Export(context.Background(), fmt.Sprintf(`stage.latency.p99{version=%q,stage="process"}`, release))
		if err != nil || len(series) != 2 {
			return false
		}
		for _, s := range series {
			if s.Tags["service"] != "flows" || len(s.Values) < 3 {
				return false
			}
		}
		return true
	})

	// PostgreSQL: the same series, one row per flush.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var flushes, withBuckets int
	err = conn.QueryRow(ctx, `
		SELECT count(DISTINCT p.ts), count(*) FILTER (WHERE p.bucket_idx IS NOT NULL)
		FROM vitals_points p JOIN vitals_series s ON s.id = p.series_id
		WHERE s.name = 'stage.latency' AND s.tags @> $1::jsonb`,
		fmt.Sprintf(`{"version": %q, "stage": "process", "queue": "in"}`, release)).Scan(&flushes, &withBuckets)
	if err != nil {
		t.Fatal(err)
	}
	if flushes < 3 || withBuckets < 3 {
		t.Fatalf("PostgreSQL holds %d flushes (%d with buckets) of the process stage timer, want at least 3", flushes, withBuckets)
	}
}
