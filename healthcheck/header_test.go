package healthcheck

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildHeader(t *testing.T) {
	platform := runtime.GOOS + "/" + runtime.GOARCH + " [go version " + runtime.Version() + "]"
	vcs := func(settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "example.com/alerts", Version: "(devel)"}}
		for i := 0; i < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	const rev = "3f2a9c1d8e7b55aa0011223344556677889900aa"
	const when = "2025-11-20T14:03:11Z"
	for _, tc := range []struct {
		name                  string
		release, host, osName string
		bi                    *debug.BuildInfo
		want                  string
	}{
		{"everything", "v42", "ci-7", "Debian GNU/Linux 12 (bookworm)", vcs("vcs.revision", rev, "vcs.time", when),
			"alerts: v42 Built on ci-7 " + platform + " Debian GNU/Linux 12 (bookworm) (" + when + ")"},
		{"vcs revision", "", "", "Debian", vcs("vcs.revision", rev, "vcs.time", when, "vcs.modified", "false"),
			"alerts: 3f2a9c1d8e7b " + platform + " Debian (" + when + ")"},
		{"dirty tree", "", "ci-7", "", vcs("vcs.revision", rev, "vcs.modified", "true"),
			"alerts: 3f2a9c1d8e7b+dirty Built on ci-7 " + platform + " (unknown build time)"},
		{"module version", "", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}},
			"alerts: v1.2.3 " + platform + " (unknown build time)"},
		{"devel, no vcs", "", "", "", vcs(), "alerts: unknown " + platform + " (unknown build time)"},
		{"no build info", "", "", "", nil, "alerts: unknown " + platform + " (unknown build time)"},
		{"hostile parts", "v1\nCRITICAL", "host\r\n", "OS\x1b[2J", nil,
			"alerts: v1 CRITICAL Built on host " + platform + " OS?[2J (unknown build time)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := buildHeader("alerts", tc.release, tc.host, tc.bi, tc.osName); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestParseOSRelease(t *testing.T) {
	data := []byte(`NAME="Debian GNU/Linux"
# a comment
PRETTY_NAME_X=wrong
VERSION_ID=12
PRETTY_NAME="Debian \"GNU\"/Linux 12 (bookworm) \$5 \\ \x"
ID='debian'
`)
	for key, want := range map[string]string{
		"PRETTY_NAME": `Debian "GNU"/Linux 12 (bookworm) $5 \ \x`,
		"VERSION_ID":  "12",
		"ID":          "debian",
		"NAME":        "Debian GNU/Linux",
		"MISSING":     "",
	} {
		if got := parseOSRelease(data, key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
}

func TestOSPrettyNameMissing(t *testing.T) {
	saved := osReleaseFiles
	t.Cleanup(func() { osReleaseFiles = saved })
	osReleaseFiles = []string{t.TempDir() + "/none"}
	if got := osPrettyName(); got != "" {
		t.Errorf("osPrettyName() = %q without an os-release file", got)
	}
	h, err := New(Config{Service: "alerts", Release: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "alerts: v1 " + runtime.GOOS + "/"; !strings.HasPrefix(h.header, want) {
		t.Errorf("header %q, want it to start with %q", h.header, want)
	}
}
