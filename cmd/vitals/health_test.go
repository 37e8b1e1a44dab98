package main

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/vitals-go/vitals/healthcheck"
)

// serveHealth starts a health socket with one check of status st on a free
// loopback port and returns its address.
func serveHealth(t *testing.T, st healthcheck.Status) string {
	t.Helper()
	h, err := healthcheck.New(healthcheck.Config{Service: "alerts", Release: "v42"})
	if err != nil {
		t.Fatal(err)
	}
	h.Register("In Q", func(context.Context) healthcheck.Result {
		return healthcheck.Result{Status: st, Value: "812 (warn > 500)"}
	})
	h.Register("Empty", func(context.Context) healthcheck.Result { return healthcheck.Result{} })
	srv, err := h.Start(healthcheck.ServerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return srv.Addr()
}

func TestHealth(t *testing.T) {
	addr := serveHealth(t, healthcheck.Good)
	code, out, errOut := vitals(t, "health", addr)
	t.Logf("vitals health %s:\n%s", addr, out)
	if code != 0 {
		t.Fatalf("exit status %d, want 0; stderr:\n%s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "alerts: v42 ") || !strings.HasPrefix(lines[1], "GOOD up ") ||
		lines[2] != "GOOD In Q: 812 (warn > 500)" || lines[3] != "GOOD Empty:" {
		t.Errorf("the report:\n%s", out)
	}
}

func TestHealthStatuses(t *testing.T) {
	for st, want := range map[healthcheck.Status]int{healthcheck.Good: 0, healthcheck.Warn: 1, healthcheck.Critical: 2} {
		addr := serveHealth(t, st)
		code, out, errOut := vitals(t, "health", addr, "-json") // flags may follow the address
		if code != want {
			t.Errorf("%v: exit status %d, want %d; stderr:\n%s", st, code, want, errOut)
		}
		var r healthcheck.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v: -json printed %v:\n%s", st, err, out)
		}
		if r.Status != st || !strings.HasPrefix(r.Header, "alerts: v42 ") || r.PID == 0 || r.Time.IsZero() ||
			len(r.Checks) != 2 || r.Checks[0] != (healthcheck.CheckResult{Name: "In Q", Status: st, Value: "812 (warn > 500)"}) ||
			r.Checks[1] != (healthcheck.CheckResult{Name: "Empty", Status: healthcheck.Good}) {
			t.Errorf("%v: -json printed:\n%s", st, out)
		}
	}
}

func TestHealthUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	code, _, errOut := vitals(t, "health", addr)
	if code != 3 || !strings.Contains(errOut, addr) {
		t.Errorf("exit status %d, want 3; stderr:\n%s", code, errOut)
	}
	if code, _, _ := vitals(t, "health"); code != 2 {
		t.Errorf("no address: exit status %d, want 2", code)
	}
}
