package process

import (
	"bytes"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"

	"github.com/vitals-go/vitals/metrics"
)

func TestRegisterIsIdempotent(t *testing.T) {
	reg := metrics.NewRegistry()
	if err := Register(reg); err != nil {
		t.Fatal(err)
	}
	n := reg.Len()
	if err := Register(reg); err != nil {
		t.Fatal(err)
	}
	if reg.Len() != n {
		t.Fatalf("%d series after a second Register, %d after the first", reg.Len(), n)
	}
	want := len(sources())
	if want > 0 {
		want++ // process.read.errors
	}
	if n != want {
		t.Fatalf("%d series registered, want %d", n, want)
	}
	for _, s := range reg.Peek().Series {
		if s.Kind == metrics.KindGaugeFloat64 && !(s.Value > 0) {
			t.Errorf("%s = %v, want > 0", s.Name, s.Value)
		}
	}
	if r := reg.Refused(); r != (metrics.Refusals{}) {
		t.Fatalf("refusals %+v", r)
	}
}

func TestRegisterRefusals(t *testing.T) {
	if err := Register(nil); err == nil {
		t.Fatal("no error for a nil registry")
	}
	if len(sources()) == 0 {
		t.Skip("no process series on this system")
	}
	reg := metrics.NewRegistry(metrics.WithLogger(slog.New(slog.DiscardHandler)))
	taken := sources()[0].name
	reg.Counter(taken, nil)
	err := Register(reg)
	var re *metrics.RegistrationError
	if !errors.As(err, &re) || re.Name != taken || !errors.Is(err, metrics.ErrKindConflict) {
		t.Fatalf("Register: %v, want a kind conflict on %s", err, taken)
	}
	if want := len(sources()) + 1; reg.Len() != want { // the counter taken, the others, process.read.errors
		t.Fatalf("%d series, want %d", reg.Len(), want)
	}
}

func TestReadErrorsAreCountedAndLoggedOnce(t *testing.T) {
	var logs bytes.Buffer
	reg := metrics.NewRegistry()
	g := &gauge{
		source: source{"process.broken", func() (float64, error) { return 0, errors.New("no /proc here") }},
		logger: slog.New(slog.NewTextHandler(&logs, nil)),
		errors: reg.Counter("process.read.errors", nil),
	}
	reg.FunctionalGaugeFloat64("process.broken", nil, g.value)
	for range 3 {
		for _, s := range reg.Peek().Series {
			if s.Name == "process.broken" {
				t.Fatalf("a series that cannot be read was exported: %+v", s)
			}
		}
	}
	if n := g.errors.Count(); n != 3 {
		t.Fatalf("process.read.errors = %d, want 3", n)
	}
	if n := strings.Count(logs.String(), "no /proc here"); n != 1 {
		t.Fatalf("logged %d times, want once:\n%s", n, logs.String())
	}
	if v := g.value(); !math.IsNaN(v) {
		t.Fatalf("value %v, want NaN", v)
	}
}
