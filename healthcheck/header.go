package healthcheck

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// BuildHost names the machine that built the binary, for the first line of
// the report. It is empty unless set at build time:
//
//	go build -ldflags "-X github.com/vitals-go/vitals/healthcheck.BuildHost=$(hostname)"
//
// New reads it, so a program may also set it before calling New.
var BuildHost string

// osReleaseFiles are where os-release(5) says to look, in order.
var osReleaseFiles = []string{"/etc/os-release", "/usr/lib/os-release"}

// buildHeader returns the first line of the report:
//
//	<service>: <revision> Built on <host> <GOOS>/<GOARCH> [go version <go>] <OS> (<time>)
//
// "Built on <host>" is left out when host is empty, and <OS> when osName
// is. The revision is release when set; else the VCS revision in bi,
// shortened to 12 characters and marked "+dirty" when the tree was
// modified; else the main module's version when it is a real one (go
// install example.com/cmd@v1.2.3); else "unknown". The time is the VCS
// commit time, or "unknown build time". bi may be nil.
func buildHeader(service, release, host string, bi *debug.BuildInfo, osName string) string {
	revision, when := release, ""
	if bi != nil {
		var vcsRevision string
		var dirty bool
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				vcsRevision = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			case "vcs.time":
				when = s.Value
			}
		}
		if revision == "" && vcsRevision != "" {
			revision = vcsRevision[:min(len(vcsRevision), 12)]
			if dirty {
				revision += "+dirty"
			}
		}
		if v := bi.Main.Version; revision == "" && v != "" && v != "(devel)" {
			revision = v
		}
	}
	if revision == "" {
		revision = "unknown"
	}
	if when == "" {
		when = "unknown build time"
	}

	var b strings.Builder
	b.WriteString(sanitize(service, maxField))
	b.WriteString(": ")
	b.WriteString(sanitize(revision, maxField))
	if host = sanitize(host, maxField); host != "" {
		b.WriteString(" Built on ")
		b.WriteString(host)
	}
	b.WriteString(" " + runtime.GOOS + "/" + runtime.GOARCH)
	b.WriteString(" [go version " + sanitize(runtime.Version(), maxField) + "]")
	if osName = sanitize(osName, maxField); osName != "" {
		b.WriteString(" ")
		b.WriteString(osName)
	}
	b.WriteString(" (" + sanitize(when, maxField) + ")")
	return b.String()
}

// osPrettyName returns PRETTY_NAME from the machine's os-release file, such
// as "Debian GNU/Linux 12 (bookworm)", or "" when there is none.
func osPrettyName() string {
	for _, name := range osReleaseFiles {
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		return parseOSRelease(data, "PRETTY_NAME")
	}
	return ""
}

// parseOSRelease returns the value of key in an os-release file: lines of
// KEY=value, where the value may be in single or double quotes and, in
// double quotes, escape \" \\ \$ and \` with a backslash.
func parseOSRelease(data []byte, key string) string {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok || k != key {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			quote := v[0]
			v = v[1 : len(v)-1]
			if quote == '"' {
				v = unescapeShell(v)
			}
		}
		return v
	}
	return ""
}

// unescapeShell removes the backslash before the characters that need one
// in a double-quoted shell string.
func unescapeShell(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
