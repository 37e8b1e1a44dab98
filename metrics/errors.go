package metrics

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The reasons a registration is refused. Test for them with errors.Is.
var (
	// ErrInvalid means the name or a tag breaks the character, length or
	// emptiness rules.
	ErrInvalid = errors.New("invalid name or tag")
	// ErrKindConflict means the name and tags are already registered as
	// another kind of metric.
	ErrKindConflict = errors.New("already registered as another kind")
	// ErrTooManySeries means the registry holds its limit of series.
	ErrTooManySeries = errors.New("series limit reached")
)

// RegistrationError describes a refused registration. Its Err is one of
// ErrInvalid, ErrKindConflict or ErrTooManySeries; the handle returned with it
// still works but is not exported.
type RegistrationError struct {
	Name   string
	Tags   []Tag
	Kind   Kind   // the kind that was asked for
	Err    error  // the reason: ErrInvalid, ErrKindConflict or ErrTooManySeries
	Detail string // what exactly was wrong
}

// Error returns a one-line description naming the series.
func (e *RegistrationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "metrics: %s %q", e.Kind, e.Name)
	for _, t := range e.Tags {
		key := t.Key
		if validName("tag key", key) != nil {
			key = strconv.Quote(key) // a refused key may hold line breaks or invalid UTF-8
		}
		fmt.Fprintf(&b, " %s=%q", key, t.Value)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// Unwrap returns the reason, for errors.Is.
func (e *RegistrationError) Unwrap() error { return e.Err }
