package healthcheck

// Sanitized returns a check name or value as a report holds it.
func Sanitized(s string) string { return sanitize(s, maxField) }

// SanitizedHeader returns a header line as a report holds it.
func SanitizedHeader(s string) string { return sanitize(s, maxHeader) }
