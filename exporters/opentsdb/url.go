package opentsdb

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// defaultPort is the port a TSD usually listens on, suggested when a URL
// has none.
const defaultPort = "4242"

// parseURL fills in the protocol and the address from rawURL. Its errors
// say what is wrong and what to write instead, and never show a password.
func (s *settings) parseURL(rawURL string) error {
	raw := strings.TrimSpace(rawURL)
	if raw == "" {
		return errors.New("URL is empty; " + useHint("host:"+defaultPort))
	}
	shown := redact(raw)
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return noScheme(raw, shown)
	}
	u, err := url.Parse(raw)
	if err != nil {
		hp, _ := guessHostPort(rest)
		var uerr *url.Error
		if shown != raw || !errors.As(err, &uerr) { // the reason may quote the password
			return fmt.Errorf("URL %q cannot be parsed; %s", shown, useHint(hp))
		}
		return fmt.Errorf("URL %q cannot be parsed (%v); %s", shown, uerr.Err, useHint(hp))
	}
	switch u.Scheme {
	case "http", "https":
		s.proto = protoHTTP
	case "tcp":
		s.proto = protoTelnet
	default:
		hp, _ := guessHostPort(rest)
		return fmt.Errorf("URL %q has scheme %q; %s", shown, u.Scheme, useHint(hp))
	}
	host, port, err := net.SplitHostPort(u.Host)
	switch {
	case u.User != nil:
		hp := u.Host
		if err != nil || !validPort(port) {
			hp = net.JoinHostPort(u.Hostname(), defaultPort)
		}
		return fmt.Errorf("URL %q has user information, which the exporter does not send; use %s://%s", shown, u.Scheme, hp)
	case u.Host == "" || err == nil && host == "":
		return fmt.Errorf("URL %q has no host; use %s://host:%s", shown, u.Scheme, cmp.Or(port, defaultPort))
	case err != nil:
		return fmt.Errorf("URL %q has no port; use %s://%s (OpenTSDB's usual port)", shown, u.Scheme, net.JoinHostPort(u.Hostname(), defaultPort))
	case !validPort(port):
		return fmt.Errorf("URL %q has port %q; a port is a number from 1 to 65535, such as %s://%s", shown, port, u.Scheme, net.JoinHostPort(host, defaultPort))
	}

	if s.proto == protoTelnet {
		if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("URL %q has a path, query or fragment, which telnet has no use for; use tcp://%s", shown, u.Host)
		}
		s.addr = u.Host
		s.where = "telnet " + u.Host
		return nil
	}

	// A URL that names the endpoint itself stands for the base URL before
	// it: the exporter appends /api/put. Any other path is a prefix, as for
	// a TSD behind a reverse proxy.
	prefix, named := strings.CutSuffix(strings.TrimSuffix(u.Path, "/"), "/api/put")
	u.Path, u.RawPath = prefix+"/api/put", ""
	if u.Fragment != "" || (u.RawQuery != "" && !(named && putQuery(u.RawQuery))) {
		u.RawQuery, u.Fragment = "", ""
		return fmt.Errorf("URL %q has a query or fragment, which the exporter does not use; use %s", shown, strings.TrimSuffix(u.String(), "/api/put"))
	}
	u.RawQuery = ""
	s.where = "POST " + u.String()
	u.RawQuery = "details"
	s.putURL = u.String()
	return nil
}

// putQuery reports whether query holds only parameters of /api/put that
// the exporter sets itself: details (always), summary (implied by details).
func putQuery(query string) bool {
	q, err := url.ParseQuery(query)
	if err != nil {
		return false
	}
	for k := range q {
		if k != "details" && k != "summary" {
			return false
		}
	}
	return true
}

// noScheme describes raw, which lacks "://".
func noScheme(raw, shown string) error {
	scheme, rest, _ := strings.Cut(raw, ":")
	switch scheme = strings.ToLower(scheme); scheme {
	case "http", "https", "tcp": // "tcp:host:4242", "http:/host:4242"
		hp, _ := guessHostPort(strings.TrimLeft(rest, "/"))
		return fmt.Errorf("URL %q lacks the \"//\" after %q; use %s://%s", shown, scheme+":", scheme, hp)
	}
	hp, portAdded := guessHostPort(raw)
	what := "no scheme"
	if portAdded {
		what = "no scheme and no port"
	}
	return fmt.Errorf("URL %q has %s; %s", shown, what, useHint(hp))
}

// useHint says what to write, for the TSD at hostPort.
func useHint(hostPort string) string {
	return fmt.Sprintf("use http://%s (or https://) or tcp://%s (telnet)", hostPort, hostPort)
}

// guessHostPort returns the host:port that s (a URL without its scheme, or
// without one at all) most likely means: its host, without user
// information, and its port, or OpenTSDB's usual one. "host:4242" when no
// host can be made out. portAdded says that s names a host but no port.
func guessHostPort(s string) (hostPort string, portAdded bool) {
	s = strings.TrimPrefix(s, "//")
	if i := strings.LastIndex(s, "@"); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	host, port, err := net.SplitHostPort(s)
	switch {
	case err == nil && validHost(host) && validPort(port):
		return s, false
	case err == nil && validHost(host):
		return net.JoinHostPort(host, defaultPort), false
	case err != nil && validHost(s) && !strings.Contains(s, ":"): // not "::1:4242", which could be [::1]:4242
		return net.JoinHostPort(s, defaultPort), true
	}
	return "host:" + defaultPort, false
}

// validHost reports whether host is a plausible host name or IP address
// (no brackets).
func validHost(host string) bool {
	if host == "" {
		return false
	}
	if net.ParseIP(host) != nil {
		return true
	}
	for _, r := range host {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func validPort(port string) bool {
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}

// redact returns raw with the password of any user information (what
// precedes the last '@') replaced by "xxxxx", like url.URL.Redacted, but
// for text that is not a valid URL too.
func redact(raw string) string {
	prefix, rest := "", raw
	if i := strings.Index(raw, "://"); i >= 0 {
		prefix, rest = raw[:i+len("://")], raw[i+len("://"):]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return raw
	}
	user, _, hasPassword := strings.Cut(rest[:at], ":")
	if !hasPassword {
		return raw
	}
	return prefix + user + ":xxxxx" + rest[at:]
}
