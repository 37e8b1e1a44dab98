package healthcheck_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vitals-go/vitals/healthcheck"
)

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		s    healthcheck.Status
		want string
	}{
		{healthcheck.Good, "GOOD"}, {healthcheck.Warn, "WARN"}, {healthcheck.Critical, "CRITICAL"},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%d.String() = %q, want %q", int(tc.s), got, tc.want)
		}
		js, err := json.Marshal(tc.s)
		if err != nil || string(js) != `"`+tc.want+`"` {
			t.Errorf("json.Marshal(%v) = %s, %v", tc.s, js, err)
		}
		var back healthcheck.Status
		if err := json.Unmarshal(js, &back); err != nil || back != tc.s {
			t.Errorf("json.Unmarshal(%s) = %v, %v", js, back, err)
		}
	}
	if got := healthcheck.Status(7).String(); got != "Status(7)" {
		t.Errorf("Status(7).String() = %q", got)
	}
	if _, err := json.Marshal(healthcheck.Status(7)); err == nil {
		t.Error("json.Marshal(Status(7)) succeeded")
	}
	var s healthcheck.Status
	if err := json.Unmarshal([]byte(`"OK"`), &s); err == nil {
		t.Error(`json.Unmarshal("OK") succeeded`)
	}
}

func TestWriteText(t *testing.T) {
	r := healthcheck.Report{
		Header: "alerts: v42 linux/amd64 [go version go1.26.8] (unknown build time)",
		Status: healthcheck.Warn,
		Uptime: 3*time.Hour + 12*time.Minute + 5*time.Second + 400*time.Millisecond,
		PID:    4242,
		Checks: []healthcheck.CheckResult{
			{Name: "In Q", Status: healthcheck.Good, Value: "0"},
			{Name: "State Q", Status: healthcheck.Warn, Value: "812 (warn > 500)"},
			{Name: "Empty", Status: healthcheck.Good},
		},
	}
	want := "alerts: v42 linux/amd64 [go version go1.26.8] (unknown build time)\n" +
		"WARN up 3h12m5s pid 4242\n" +
		"GOOD In Q: 0\n" +
		"WARN State Q: 812 (warn > 500)\n" +
		"GOOD Empty:\n"
	if got := text(t, r); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// hostile are names and values that try to break the report's lines or
// the reader's terminal.
var hostile = []string{
	"two\nlines",
	"CR\rCRITICAL fake: overwritten",
	"\r\nGOOD Forged: line",
	"\x1b[2J\x1b[Hcleared screen",
	"\x1b]0;title\x07",
	"invalid \xff\xfe\xfd utf-8",
	"\u2028line separator\u2029",
	"right-to-left \u202eoverride",
	"tab\tand\vvertical\ftab",
	strings.Repeat("long ", 1000),
	strings.Repeat("\n", 500),
	"",
}

func TestWriteTextHostile(t *testing.T) {
	r := healthcheck.Report{Header: "svc:\nv1\x1b[31m", Status: healthcheck.Critical}
	for _, name := range hostile {
		for _, value := range hostile {
			r.Checks = append(r.Checks, healthcheck.CheckResult{Name: name, Status: healthcheck.Critical, Value: value})
		}
	}
	checkShape(t, text(t, r), len(r.Checks))
}

// checkShape checks that a text report of n checks is n+2 lines of
// printable UTF-8, each check line a status, a name and a colon.
func checkShape(t testing.TB, report string, n int) {
	t.Helper()
	ls := lines(t, report)
	if len(ls) != n+2 {
		t.Fatalf("%d checks gave %d lines, want %d:\n%s", n, len(ls), n+2, report)
	}
	if !utf8.ValidString(report) {
		t.Fatalf("report is not valid UTF-8")
	}
	for i, l := range ls {
		if len(l) > 2000 {
			t.Errorf("line %d is %d bytes", i, len(l))
		}
		for _, r := range l {
			if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\u202e' {
				t.Fatalf("line %d holds %U: %q", i, r, l)
			}
		}
		if i >= 2 && !strings.Contains(l, ":") {
			t.Errorf("check line %d has no colon: %q", i, l)
		}
	}
}

func FuzzWriteText(f *testing.F) {
	for _, s := range hostile {
		f.Add(s, s)
	}
	f.Add("x\nput evil 1 1 a=b", "ok\nCRITICAL forged: line")
	f.Add("\x00\x1b[31m\x7f\u0085\u009b", "\u200e\u202a\u2066 bidi")
	f.Fuzz(func(t *testing.T, name, value string) {
		r := healthcheck.Report{Header: name, Status: healthcheck.Warn, Checks: []healthcheck.CheckResult{
			{Name: name, Value: value}, {Name: value, Status: healthcheck.Critical, Value: name},
		}}
		report := text(t, r)
		checkShape(t, report, 2)
		checkStatuses(t, report, r)
	})
}

// FuzzCheckOutput registers two checks under hostile names, returning
// hostile values and any status, and checks the text report built from
// them: one line per check, no control characters, each line the check's
// status (CRITICAL for an invalid one), its name as reported, a colon and
// its value, and the overall status the worst of them.
func FuzzCheckOutput(f *testing.F) {
	for i, s := range hostile {
		f.Add(s, hostile[(i+1)%len(hostile)], "second", s, i%3, 2-i%3)
	}
	f.Add("queue", "x\nput evil 1 1 a=b", "queue\n", "812\nGOOD forged: 0", 1, 0)
	f.Add("a\x00b", "\x00", "a\x00b", "replaced", 0, 1)
	f.Add("same", "v1", " same ", "v2", 0, 2)
	f.Add("bad status", "v", "negative", "\rWARN x:", 7, -1)
	f.Fuzz(func(t *testing.T, name1, value1, name2, value2 string, status1, status2 int) {
		h := newHealth(t, healthcheck.Config{CacheFor: -1})
		results := []healthcheck.Result{
			{Status: healthcheck.Status(status1), Value: value1},
			{Status: healthcheck.Status(status2), Value: value2},
		}
		h.Register(name1, fixed(results[0], nil))
		h.Register(name2, fixed(results[1], nil))
		r := h.Report(t.Context())
		if len(r.Checks) == 1 {
			// name2 sanitized is name1 sanitized: the check was replaced.
			results = results[1:]
		}
		if len(r.Checks) != len(results) {
			t.Fatalf("%d checks registered, %d reported: %+v", len(results), len(r.Checks), r.Checks)
		}
		report := text(t, r)
		checkShape(t, report, len(r.Checks))
		checkStatuses(t, report, r)
		ls := lines(t, report)
		worst := healthcheck.Good
		for i, c := range r.Checks {
			want := results[i].Status
			if want < healthcheck.Good || want > healthcheck.Critical {
				want = healthcheck.Critical
			}
			worst = max(worst, want)
			if c.Status != want {
				t.Fatalf("check %d returned status %d, reported %v", i, int(results[i].Status), c.Status)
			}
			line := want.String() + " " + c.Name + ":"
			if c.Value != "" {
				line += " " + c.Value
			}
			if ls[i+2] != line {
				t.Fatalf("check line %d is %q, want %q", i, ls[i+2], line)
			}
		}
		if r.Status != worst {
			t.Fatalf("overall status %v, want %v", r.Status, worst)
		}
	})
}

// checkStatuses checks that the status line and every check line of a
// text report begin with the status they belong to: whatever a name or a
// value holds, no line can pass for another status line.
func checkStatuses(t testing.TB, report string, r healthcheck.Report) {
	t.Helper()
	ls := lines(t, report)
	if want := r.Status.String() + " up "; !strings.HasPrefix(ls[1], want) {
		t.Fatalf("status line %q does not start with %q", ls[1], want)
	}
	for i, c := range r.Checks {
		if want := c.Status.String() + " "; !strings.HasPrefix(ls[i+2], want) {
			t.Fatalf("check line %d, %q, does not start with %q", i, ls[i+2], want)
		}
	}
}

func TestReportJSON(t *testing.T) {
	r := healthcheck.Report{
		Header: "svc: v1 linux/amd64 [go version go1.26.8] (unknown build time)",
		Status: healthcheck.Critical,
		Uptime: 90 * time.Second,
		PID:    7,
		Time:   time.Date(2025, 11, 20, 14, 3, 11, 0, time.UTC),
		Checks: []healthcheck.CheckResult{{Name: "db", Status: healthcheck.Critical, Value: "down"}},
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"header":"svc: v1 linux/amd64 [go version go1.26.8] (unknown build time)","status":"CRITICAL",` +
		`"uptime_ns":90000000000,"pid":7,"time":"2025-11-20T14:03:11Z",` +
		`"checks":[{"name":"db","status":"CRITICAL","value":"down"}]}`
	if string(js) != want {
		t.Errorf("got  %s\nwant %s", js, want)
	}
	var back healthcheck.Report
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Errorf("round trip: got %+v, want %+v", back, r)
	}
}
