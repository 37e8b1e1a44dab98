package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/vitals-go/vitals/healthcheck"
)

// The exit statuses of `vitals health`, the report's status in the order
// of monitoring plugins (0 OK, 1 warning, 2 critical, 3 unknown). A usage
// error also exits with 2, like every command.
const (
	healthGood        = 0
	healthWarn        = 1
	healthCritical    = 2
	healthUnreachable = 3
)

// maxReport bounds what health reads from a socket. A report of the
// largest size healthcheck writes (fields of 200 bytes) with a thousand
// checks fits.
const maxReport = 1 << 20

// runHealth runs `vitals health`: it reads the text report from a health
// socket, prints it (as received, or with -json as a healthcheck.Report in
// JSON) and returns the exit status of the report's status.
func runHealth(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("health", stderr, "[-json] [-timeout D] host:port|/path/to/socket")
	asJSON := fs.Bool("json", false, "print the report as JSON, in the shape of the /healthz handler (parsed from the text report: uptime in whole seconds, time when it was read)")
	timeout := fs.Duration("timeout", 5*time.Second, "give up on connecting and reading after this long")
	pos, err := parseFlags(fs, args)
	if err == nil {
		switch {
		case len(pos) != 1:
			err = usagef("want one address (host:port, or the path of a unix socket), got %d arguments", len(pos))
		case *timeout <= 0:
			err = usagef("-timeout must be positive, got %v", *timeout)
		}
	}
	if err != nil {
		return exitStatus(stderr, "health", err)
	}
	addr := pos[0]

	text, err := readReport(ctx, addr, *timeout)
	if err != nil {
		fmt.Fprintf(stderr, "vitals health: %s: %v\n", addr, err)
		return healthUnreachable
	}
	report, err := healthcheck.ParseReport(strings.NewReader(text))
	if err != nil {
		fmt.Fprintf(stderr, "vitals health: %s: not a health report: %v\n%s", addr, err, text)
		return healthUnreachable
	}
	report.Time = time.Now()
	if *asJSON {
		b, err := json.MarshalIndent(report, "", "  ")
		if err != nil { // a parsed report always encodes
			fmt.Fprintf(stderr, "vitals health: %v\n", err)
			return healthUnreachable
		}
		stdout.Write(append(b, '\n'))
	} else {
		io.WriteString(stdout, text)
	}
	switch report.Status {
	case healthcheck.Good:
		return healthGood
	case healthcheck.Warn:
		return healthWarn
	default:
		return healthCritical
	}
}

// readReport connects to the health socket at addr (a unix socket when it
// holds a '/'), and reads what it says until it closes the connection.
func readReport(ctx context.Context, addr string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	network := "tcp"
	if strings.Contains(addr, "/") {
		network = "unix"
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		return "", err
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) }) // on SIGINT
	defer stop()
	b, err := io.ReadAll(io.LimitReader(conn, maxReport+1))
	switch {
	case err != nil:
		return "", fmt.Errorf("reading the report: %w", err)
	case len(b) > maxReport:
		return "", fmt.Errorf("the report is larger than %d bytes", maxReport)
	case len(b) == 0:
		return "", errors.New("the connection closed without a report")
	}
	return string(b), nil
}
