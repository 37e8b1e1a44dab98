package healthcheck

import (
	"context"
	"fmt"
)

// Status is how healthy a check, or a whole report, is. The zero value is
// Good; a larger Status is worse, so the overall status of a report is the
// largest of its checks'.
type Status int

// The statuses, from best to worst.
const (
	Good     Status = iota // working as it should
	Warn                   // working, but someone should look at it soon
	Critical               // not working; a check that times out or panics is Critical
)

// String returns "GOOD", "WARN" or "CRITICAL", or "Status(n)" for any other
// value.
func (s Status) String() string {
	switch s {
	case Good:
		return "GOOD"
	case Warn:
		return "WARN"
	case Critical:
		return "CRITICAL"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// MarshalText returns the String of a valid status, so that encoding/json
// writes a Status as "GOOD", "WARN" or "CRITICAL". Other values are an
// error.
func (s Status) MarshalText() ([]byte, error) {
	if s < Good || s > Critical {
		return nil, fmt.Errorf("healthcheck: invalid status %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText parses "GOOD", "WARN" or "CRITICAL", so that a JSON report
// decodes back into a Report.
func (s *Status) UnmarshalText(text []byte) error {
	switch string(text) {
	case "GOOD":
		*s = Good
	case "WARN":
		*s = Warn
	case "CRITICAL":
		*s = Critical
	default:
		return fmt.Errorf("healthcheck: invalid status %q", text)
	}
	return nil
}

// Result is what a Check found: a Status and a short value for the report
// line, such as "812 (warn > 500)". The value is sanitized for the report:
// control characters and invalid UTF-8 are replaced and it is cut to 200
// bytes. A Status other than Good, Warn and Critical reports as Critical.
type Result struct {
	Status Status // how healthy the checked part is
	Value  string // what the report line shows after the name
}

// Check finds the state of one part of the service. It is called once per
// report, concurrently with the other checks, and should return by the
// context's deadline (Config.CheckTimeout). A check that does not is
// reported as Critical and abandoned: the report does not wait for it, and
// it is not called again until it has returned. A check that panics is
// reported as Critical with the panic's value.
type Check func(ctx context.Context) Result
