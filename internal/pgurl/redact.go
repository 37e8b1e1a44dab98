package pgurl

import (
	"regexp"
	"strings"
)

// A connection string's passwords never appear in an error of this
// package, whatever its shape, even one that cannot be parsed: redact
// shows the string with them masked, and scrub masks them in any text
// derived from it (pgx's own messages). Both err on the side of masking
// too much.

const mask = "xxxxx"

var (
	// urlScheme matches the scheme of a URL, typo'd or not.
	urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)
	// queryPassword matches a URL query parameter whose key ends in
	// "password" (password, sslpassword); its value ends at & or #.
	queryPassword = regexp.MustCompile(`(?i)(password=)([^&#]*)`)
	// settingPassword matches a key=value setting whose key ends in
	// "password"; its value is quoted (to the closing quote, or the end of
	// the string) or ends at a space.
	settingPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*(?:'|$)|\S*)`)
)

// isURL reports whether s is written as a URL (scheme://...), whatever the
// scheme, rather than as key=value settings.
func isURL(s string) bool { return urlScheme.MatchString(s) }

// redact returns connString with its passwords masked, and the passwords
// it masked, for scrub.
//
// In a URL, the password is everything from the first ':' after "//" to
// the last '@' (so a password holding an unescaped '@' or '/' is masked
// whole), and the value of a password or sslpassword query parameter.
// Otherwise, it is the value of every key=value setting whose key ends in
// "password", and then, as in a URL, everything between the first ':' and
// the last '@' (a URL whose scheme was forgotten: "svc:pw@host/db"). The
// order matters: a URL's password may hold "password=", a setting's an
// '@'.
func redact(connString string) (redacted string, secrets []string) {
	if loc := urlScheme.FindStringIndex(connString); loc != nil {
		s, secret := redactUserinfo(connString, loc[1])
		for _, m := range queryPassword.FindAllStringSubmatch(s, -1) {
			secrets = append(secrets, m[2])
		}
		return queryPassword.ReplaceAllString(s, "${1}"+mask), append(secrets, secret)
	}
	for _, m := range settingPassword.FindAllStringSubmatch(connString, -1) {
		secrets = append(secrets, m[2], strings.Trim(m[2], "'"))
	}
	s, secret := redactUserinfo(settingPassword.ReplaceAllString(connString, "${1}"+mask), 0)
	return s, append(secrets, secret)
}

// redactUserinfo masks the password of s[start:] read as a URL without
// its scheme: from the first ':' to the last '@'. It returns the password,
// "" when there is none.
func redactUserinfo(s string, start int) (redacted, secret string) {
	at := strings.LastIndexByte(s[start:], '@')
	if at < 0 {
		return s, ""
	}
	colon := strings.IndexByte(s[start:start+at], ':')
	if colon < 0 {
		return s, ""
	}
	return s[:start+colon+1] + mask + s[start+at:], s[start+colon+1 : start+at]
}

// scrub returns text with every non-empty secret masked.
func scrub(text string, secrets []string) string {
	for _, secret := range secrets {
		if secret != "" {
			text = strings.ReplaceAll(text, secret, mask)
		}
	}
	return text
}
