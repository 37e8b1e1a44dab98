package healthcheck

import (
	"io"
	"slices"
	"strconv"
	"time"
)

// Report is the state of a service at one time: what the health socket
// prints and the JSON handler encodes. Its JSON form decodes back into a
// Report.
type Report struct {
	// Header is the first line: service, revision, build host, platform, Go
	// version, OS and build time (see Config.Release and BuildHost).
	Header string `json:"header"`
	// Status is the worst status of the checks, Good when there are none.
	Status Status `json:"status"`
	// Uptime is how long the process has been running.
	Uptime time.Duration `json:"uptime_ns"`
	// PID is the process ID.
	PID int `json:"pid"`
	// Time is when the report was built.
	Time time.Time `json:"time"`
	// Checks are the results, in registration order.
	Checks []CheckResult `json:"checks"`
}

// CheckResult is the result of one check in a Report.
type CheckResult struct {
	// Name is the name the check was registered under, sanitized.
	Name string `json:"name"`
	// Status is what the check returned; Critical when it timed out,
	// panicked or returned an invalid status.
	Status Status `json:"status"`
	// Value is what the check returned, sanitized; or why it failed.
	Value string `json:"value"`
}

// WriteText writes the report as the health socket shows it, in lines
// ending in '\n':
//
//	alerts: v42 Built on ci-7 linux/amd64 [go version go1.26.8] Debian GNU/Linux 12 (bookworm) (2025-11-20T14:03:11Z)
//	WARN up 3h12m5s pid 4242
//	GOOD In Q: 0
//	WARN State Q: 812 (warn > 500)
//
// The header comes first, then the overall status with the uptime in whole
// seconds and the process ID, then one line per check: its status, its
// name, a colon and its value. Every field is sanitized as Result
// describes, so a report of n checks is always n+2 lines, whatever the
// checks returned. The report is written with a single Write.
func (r Report) WriteText(w io.Writer) error {
	_, err := w.Write(r.appendText(nil))
	return err
}

// appendText appends the text form of r to b.
func (r Report) appendText(b []byte) []byte {
	b = slices.Grow(b, 256+len(r.Checks)*64)
	b = append(b, sanitize(r.Header, maxHeader)...)
	b = append(b, '\n')
	b = append(b, r.Status.String()...)
	b = append(b, " up "...)
	b = append(b, r.Uptime.Round(time.Second).String()...)
	b = append(b, " pid "...)
	b = strconv.AppendInt(b, int64(r.PID), 10)
	b = append(b, '\n')
	for _, c := range r.Checks {
		b = append(b, c.Status.String()...)
		b = append(b, ' ')
		b = append(b, sanitize(c.Name, maxField)...)
		b = append(b, ':')
		if v := sanitize(c.Value, maxField); v != "" {
			b = append(b, ' ')
			b = append(b, v...)
		}
		b = append(b, '\n')
	}
	return b
}

// maxHeader bounds the header line: its six parts of at most maxField
// bytes and the words between them.
const maxHeader = 8 * maxField

// clone returns a copy of r that shares nothing mutable with it.
func (r Report) clone() Report {
	r.Checks = slices.Clone(r.Checks)
	if r.Checks == nil {
		r.Checks = []CheckResult{}
	}
	return r
}
