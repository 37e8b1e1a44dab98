package httpmetrics

import "net/http"

// The route labels that are not patterns. A ServeMux pattern always holds a
// '/', so neither can be mistaken for one.
const (
	unmatchedRoute = "unmatched" // no pattern matched: 404, 405, or no ServeMux
	otherRoute     = "other"     // a pattern beyond Config.MaxRoutes
)

// otherMethod is the method label of every non-standard method.
const otherMethod = "other"

// hijackedCode is the code label of a request whose handler hijacked the
// connection before writing a status.
const hijackedCode = "hijacked"

// methodLabel returns method if it is one of the nine standard methods, and
// "other" otherwise, so that clients cannot create series by inventing
// methods.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return method
	}
	return otherMethod
}

// codeClasses holds the code label of each hundred: codeClasses[2] is "2xx".
var codeClasses = [...]string{"", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx", "7xx", "8xx", "9xx"}

// validCode tells whether net/http accepts code as a status.
func validCode(code int) bool { return code >= 100 && code <= 999 }

// codeLabel returns the class of a status that validCode accepts.
func codeLabel(code int) string { return codeClasses[code/100] }
