package console

import (
	"math"
	"testing"
)

func TestAppendIn(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		u    unit
		want string
	}{
		{0, unitNone, "0"},
		{3, unitNone, "3"},
		{0.25, unitNone, "0.25"},
		{5.3, unitNone, "5.3"},
		{1.98765, unitNone, "1.99"},
		{999.4, unitNone, "999"},
		{999.6, unitNone, "1,000"},
		{1234.5, unitNone, "1,235"},
		{-1234567, unitNone, "-1,234,567"},
		{0.000123, unitNone, "0.000123"},
		{0.0000123, unitNone, "1.23e-05"},
		{1.5e18, unitNone, "1.5e+18"},
		{math.NaN(), unitNone, "NaN"},
		{math.Inf(1), unitNone, "+Inf"},

		{0, unitDuration, "0s"},
		{850, unitDuration, "850ns"},
		{999.9, unitDuration, "1µs"},
		{12_345, unitDuration, "12.3µs"},
		{4_321_987, unitDuration, "4.32ms"},
		{20_000_000, unitDuration, "20ms"},
		{999_999_999, unitDuration, "1s"},
		{1.5e9, unitDuration, "1.5s"},
		{59.9e9, unitDuration, "59.9s"},
		{150e9, unitDuration, "2.5min"},
		{26 * 3600e9, unitDuration, "26h"},
		{2000 * 3600e9, unitDuration, "2,000h"},
		{-4_321_987, unitDuration, "-4.32ms"},
		{1.988, unitSeconds, "1.99s"},
		{0.0775, unitSeconds, "77.5ms"},
		{1796300000.5, unitTime, "2026-12-03T12:13:20Z"},

		{0, unitBytes, "0B"},
		{512, unitBytes, "512B"},
		{1000, unitBytes, "0.977KiB"},
		{204032, unitBytes, "199KiB"},
		{7821576, unitBytes, "7.46MiB"},
		{4 << 20, unitBytes, "4MiB"},
		{1023.9 * 1024, unitBytes, "1MiB"},
		{3 << 60, unitBytes, "3EiB"},
		{-2048, unitBytes, "-2KiB"},
	} {
		if got := string(appendIn(nil, tc.v, tc.u)); got != tc.want {
			t.Errorf("appendIn(%v, %d) = %q, want %q", tc.v, tc.u, got, tc.want)
		}
	}
}

func TestAppendGrouped(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0", 7: "7", 999: "999", 1000: "1,000", 123456: "123,456", -1234: "-1,234",
		math.MaxInt64: "9,223,372,036,854,775,807", math.MinInt64: "-9,223,372,036,854,775,808",
	} {
		if got := string(appendGrouped(nil, n)); got != want {
			t.Errorf("appendGrouped(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestUnitOf(t *testing.T) {
	for _, tc := range []struct {
		name  string
		timer bool
		want  unit
	}{
		{"request.latency", true, unitDuration},
		{"upload.bytes", true, unitDuration}, // a timer is in nanoseconds whatever its name
		{"go.heap.objects.bytes", false, unitBytes},
		{"resp_bytes", false, unitBytes},
		{"bytes", false, unitNone},
		{"uptime.seconds", false, unitSeconds},
		{"process.start.time.seconds", false, unitTime},
		{"process_start_time_seconds", false, unitTime},
		{"vitals.exporter.since_success", false, unitSeconds},
		{"jobs.done", false, unitNone},
	} {
		if got := unitOf(tc.name, tc.timer); got != tc.want {
			t.Errorf("unitOf(%q, %v) = %d, want %d", tc.name, tc.timer, got, tc.want)
		}
	}
}
