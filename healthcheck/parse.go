package healthcheck

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ErrBusy is wrapped by the error ParseReport returns for the line a
// Server sends instead of the report when every connection slot is taken
// (see ServerConfig.MaxConns): the client may try again.
var ErrBusy = errors.New("the server is busy")

// busyWord begins the line a busy Server sends, and nothing else: a report
// has at least two lines.
const busyWord = "BUSY"

// ParseReport reads a report in the text form of Report.WriteText, as the
// health socket serves it, until r ends. The text has no time and a
// rounded uptime, so Time is left zero and Uptime is in whole seconds.
//
// A check line is "STATUS name: value"; the name is taken to end at the
// first ": " (or at a final ':' when there is no ": "), so a check whose
// name holds ": " is split there. Whatever the names, the text of a report
// that WriteText wrote parses into a report that WriteText writes as the
// same text.
//
// The answer of a busy server is an error wrapping ErrBusy. ParseReport
// reads everything r holds (a line may be at most 64 KiB, where WriteText
// writes at most 2 KiB): bound r, with io.LimitReader, when it is not
// trusted.
func ParseReport(r io.Reader) (Report, error) {
	var rep Report
	sc := bufio.NewScanner(r)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return rep, fmt.Errorf("line %d: %w", len(lines)+1, err)
	}
	if len(lines) == 1 && strings.HasPrefix(lines[0], busyWord) {
		return rep, fmt.Errorf("%w: %s", ErrBusy, lines[0])
	}
	if len(lines) < 2 {
		return rep, errors.New("want a header line and a status line")
	}
	rep.Header = lines[0]
	if err := rep.parseStatusLine(lines[1]); err != nil {
		return rep, fmt.Errorf("line 2: %w", err)
	}
	rep.Checks = make([]CheckResult, 0, len(lines)-2)
	for i, line := range lines[2:] {
		c, err := parseCheckLine(line)
		if err != nil {
			return rep, fmt.Errorf("line %d: %w", i+3, err)
		}
		rep.Checks = append(rep.Checks, c)
	}
	return rep, nil
}

// parseStatusLine parses the second line, such as
// "WARN up 3h12m5s pid 4242", into r.
func (r *Report) parseStatusLine(line string) error {
	f := strings.Fields(line)
	if len(f) != 5 || f[1] != "up" || f[3] != "pid" {
		return fmt.Errorf("want \"STATUS up DURATION pid N\", got %q", line)
	}
	if err := r.Status.UnmarshalText([]byte(f[0])); err != nil {
		return err
	}
	up, err := time.ParseDuration(f[2])
	if err != nil {
		return fmt.Errorf("uptime: %w", err)
	}
	r.Uptime = up
	if r.PID, err = strconv.Atoi(f[4]); err != nil {
		return fmt.Errorf("pid: %w", err)
	}
	return nil
}

// parseCheckLine parses a check line, such as
// "WARN State Q: 812 (warn > 500)" or "GOOD Empty:".
func parseCheckLine(line string) (CheckResult, error) {
	var c CheckResult
	status, rest, ok := strings.Cut(line, " ")
	if !ok || c.Status.UnmarshalText([]byte(status)) != nil {
		return c, fmt.Errorf("want \"STATUS name: value\", got %q", line)
	}
	if name, ok := strings.CutSuffix(rest, ":"); ok && !strings.Contains(name, ": ") {
		c.Name = name
	} else if name, value, ok := strings.Cut(rest, ": "); ok {
		c.Name, c.Value = name, value
	} else {
		return c, fmt.Errorf("no ':' after the check name in %q", line)
	}
	return c, nil
}
