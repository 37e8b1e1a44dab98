package healthcheck_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/healthcheck"
)

// parse parses a text report, failing the test on an error.
func parse(t testing.TB, text string) healthcheck.Report {
	t.Helper()
	r, err := healthcheck.ParseReport(strings.NewReader(text))
	if err != nil {
		t.Fatalf("ParseReport(%q): %v", text, err)
	}
	return r
}

// TestParseReportRoundTrip: what WriteText writes, ParseReport reads back,
// the time and the uptime's fraction of a second excepted.
func TestParseReportRoundTrip(t *testing.T) {
	r := healthcheck.Report{
		Header: "alerts: v42 Built on ci-7 linux/amd64 [go version go1.26.8] Debian GNU/Linux 12 (bookworm) (2025-11-20T14:03:11Z)",
		Status: healthcheck.Warn,
		Uptime: 3*time.Hour + 12*time.Minute + 5*time.Second + 600*time.Millisecond,
		PID:    4242,
		Time:   time.Now(),
		Checks: []healthcheck.CheckResult{
			{Name: "In Q", Status: healthcheck.Good, Value: "0"},
			{Name: "State Q", Status: healthcheck.Warn, Value: "812 (warn > 500)"},
			{Name: "Empty", Status: healthcheck.Good},
			{Name: "colons:", Status: healthcheck.Critical, Value: "a: b:"},
			{Name: "", Status: healthcheck.Critical, Value: "no name"},
		},
	}
	got := parse(t, text(t, r))
	want := r
	want.Time = time.Time{}
	want.Uptime = 3*time.Hour + 12*time.Minute + 6*time.Second
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\ngot  %+v\nwant %+v", got, want)
	}

	none := parse(t, text(t, healthcheck.Report{}))
	if none.Checks == nil || len(none.Checks) != 0 || none.Status != healthcheck.Good {
		t.Errorf("a report without checks parsed as %+v", none)
	}
}

// TestParseReportServed reads the report a Server serves.
func TestParseReportServed(t *testing.T) {
	h := newHealth(t, healthcheck.Config{Service: "alerts", Release: "v42"})
	h.Register("db", fixed(healthcheck.Result{Status: healthcheck.Warn, Value: "slow: 3s"}, nil))
	s := serve(t, h, healthcheck.ServerConfig{Addr: "127.0.0.1:0"})
	r := parse(t, fetch(t, s.Addr()))
	want := h.Report(t.Context())
	if r.Header != want.Header || r.Status != healthcheck.Warn || r.PID != want.PID ||
		!reflect.DeepEqual(r.Checks, want.Checks) {
		t.Errorf("parsed %+v, want %+v", r, want)
	}
}

// TestParseReportAmbiguousName: a name that holds ": " is split there, and
// the text is the same.
func TestParseReportAmbiguousName(t *testing.T) {
	r := healthcheck.Report{Checks: []healthcheck.CheckResult{{Name: "db: main", Value: "up"}, {Name: "a: b"}}}
	got := parse(t, text(t, r))
	want := []healthcheck.CheckResult{{Name: "db", Value: "main: up"}, {Name: "a", Value: "b:"}}
	if !reflect.DeepEqual(got.Checks, want) {
		t.Errorf("checks %+v, want %+v", got.Checks, want)
	}
	if text(t, got) != text(t, r) {
		t.Errorf("the text changed:\n%s\nwas\n%s", text(t, got), text(t, r))
	}
}

func TestParseReportRejects(t *testing.T) {
	for _, text := range []string{
		"",
		"BUSY too many connections\n",
		"header only\n",
		"h\nGOOD up 1s\n",
		"h\nFINE up 1s pid 1\n",
		"h\nGOOD up 1s pid 1\nGOOD no colon\n",
		"h\nGOOD up 1s pid 1\nMEH x: y\n",
		"h\nGOOD up 1s pid 1\n\n",
		"h\nGOOD up soon pid 1\n",
		"h\nGOOD up 1s pid one\n",
		"h\nGOOD up 1s pid 1\n" + strings.Repeat("x", 100<<10) + "\n",
	} {
		if r, err := healthcheck.ParseReport(strings.NewReader(text)); err == nil {
			t.Errorf("ParseReport(%.40q) = %+v, want an error", text, r)
		}
	}
}

func TestParseReportBusy(t *testing.T) {
	h := newHealth(t, healthcheck.Config{Service: "alerts", Release: "v42"})
	g := newGate(t)
	h.Register("gate", g.Check)
	s := serve(t, h, healthcheck.ServerConfig{Addr: "127.0.0.1:0", MaxConns: 1})
	dial(t, s.Addr()) // holds the only slot until the gate opens
	<-g.started
	_, err := healthcheck.ParseReport(strings.NewReader(fetch(t, s.Addr())))
	if !errors.Is(err, healthcheck.ErrBusy) || !strings.Contains(err.Error(), "1 health connections are open") {
		t.Errorf("the busy line parsed with %v, want ErrBusy and the line", err)
	}
	g.Release()
}

// FuzzParseReport: ParseReport never panics, and what it parses, WriteText
// writes as a text that parses back into the same report.
func FuzzParseReport(f *testing.F) {
	f.Add("alerts: v42 linux/amd64 [go version go1.26.8] (unknown build time)\nWARN up 3h12m5s pid 4242\nGOOD In Q: 0\nWARN State Q: 812 (warn > 500)\nGOOD Empty:\n")
	f.Add("h\nGOOD up 0s pid 1\n")
	f.Add("h\nCRITICAL up -1s pid -1\nCRITICAL a: b: c\nGOOD x::\nGOOD : v\n")
	f.Add("BUSY: 64 health connections are open; try again\n")
	f.Add("h\r\nGOOD up 1.5s pid 1\r\nGOOD a\tb: c\r\n")
	f.Add("\n\n\n")
	f.Fuzz(func(t *testing.T, in string) {
		r, err := healthcheck.ParseReport(strings.NewReader(in))
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := r.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		again, err := healthcheck.ParseReport(&b)
		if err != nil {
			t.Fatalf("%q parsed as %+v, written as %q, which does not parse: %v", in, r, b.String(), err)
		}
		// WriteText sanitizes and rounds, so compare what it writes.
		if text(t, again) != text(t, r) {
			t.Fatalf("%q: written again as\n%q\nnot\n%q", in, text(t, again), text(t, r))
		}
	})
}

// FuzzTextRoundTrip: a report of any fields, written by WriteText, parses
// into a report that WriteText writes as the same text; its fields are
// the sanitized ones, unless a name holds ": ".
func FuzzTextRoundTrip(f *testing.F) {
	for i, s := range hostile {
		f.Add(s, hostile[(i+1)%len(hostile)], s, int64(i)*int64(time.Hour), i, i%3)
	}
	f.Add("alerts: v42", "db: main", "up", int64(1500*time.Millisecond), 1, 1)
	f.Add("", "", "", int64(-time.Second), -1, 2)
	f.Add("h", "x:", ": v", int64(1<<62), 1<<40, 0)
	f.Fuzz(func(t *testing.T, header, name, value string, uptime int64, pid, status int) {
		st := healthcheck.Status(((status % 3) + 3) % 3)
		r := healthcheck.Report{Header: header, Status: st, Uptime: time.Duration(uptime), PID: pid,
			Checks: []healthcheck.CheckResult{{Name: name, Status: st, Value: value}, {Name: value, Value: name}}}
		written := text(t, r)
		got, err := healthcheck.ParseReport(strings.NewReader(written))
		if err != nil {
			t.Fatalf("%q does not parse: %v", written, err)
		}
		if text(t, got) != written {
			t.Fatalf("written again as\n%q\nnot\n%q", text(t, got), written)
		}
		if got.Status != st || got.PID != pid || got.Uptime != r.Uptime.Round(time.Second) || len(got.Checks) != 2 {
			t.Fatalf("parsed %+v from %q", got, written)
		}
		if got.Header != healthcheck.SanitizedHeader(header) {
			t.Fatalf("header %q parsed from %q", got.Header, written)
		}
		for i, c := range got.Checks {
			want := healthcheck.CheckResult{
				Name: healthcheck.Sanitized(r.Checks[i].Name), Status: r.Checks[i].Status, Value: healthcheck.Sanitized(r.Checks[i].Value),
			}
			if !strings.Contains(want.Name, ": ") && c != want { // else split at the first ": "
				t.Fatalf("check %d parsed as %+v from %q, want %+v", i, c, written, want)
			}
		}
	})
}
