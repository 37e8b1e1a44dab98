package httpmetrics

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// responseWriter passes everything to the ResponseWriter it wraps and
// remembers the status of the response: the first final status given to
// WriteHeader, or 200 on the first Write, ReadFrom or Flush, as net/http
// sends. Informational statuses (1xx but 101) are not final; codes that
// net/http refuses are not recorded.
//
// Besides http.ResponseWriter it implements http.Flusher, http.Hijacker and
// io.ReaderFrom, and Unwrap, through which http.ResponseController reaches
// the wrapped writer's other features (deadlines, full duplex). Flush and
// Hijack reach the wrapped writer through http.ResponseController, so
// through its own Unwrap if it has one; where it cannot, Hijack fails with
// an error wrapping http.ErrNotSupported and Flush does nothing (FlushError,
// which http.ResponseController calls, returns that error). ReadFrom uses
// the wrapped writer's ReadFrom, else its Write.
type responseWriter struct {
	http.ResponseWriter
	code     int  // the final status; 0 until written
	hijacked bool // the handler took the connection over
}

var (
	_ http.Flusher  = (*responseWriter)(nil)
	_ http.Hijacker = (*responseWriter)(nil)
	_ io.ReaderFrom = (*responseWriter)(nil)
)

// WriteHeader sends the status, and records it if it is the first final one.
func (w *responseWriter) WriteHeader(code int) {
	w.ResponseWriter.WriteHeader(code) // panics on codes net/http refuses
	informational := code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols
	if !informational && validCode(code) {
		w.record(code)
	}
}

// Write writes the body, after the header with status 200 if none was sent.
func (w *responseWriter) Write(p []byte) (int, error) {
	w.record(http.StatusOK)
	return w.ResponseWriter.Write(p)
}

// ReadFrom copies the body from src with the wrapped writer's ReadFrom if it
// has one (net/http's uses sendfile for files), else with its Write.
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	w.record(http.StatusOK)
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(w.ResponseWriter, src)
}

// Flush sends what is buffered, after the header with status 200 if none
// was sent. It does nothing if the wrapped writer cannot flush.
func (w *responseWriter) Flush() { _ = w.FlushError() }

// FlushError is Flush returning why it failed; http.ResponseController
// prefers it, so that its Flush reports http.ErrNotSupported.
func (w *responseWriter) FlushError() error {
	err := http.NewResponseController(w.ResponseWriter).Flush()
	if err == nil {
		w.record(http.StatusOK)
	}
	return err
}

// Hijack hands the connection over to the handler. A request hijacked
// before it sent a status is recorded with code "hijacked".
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return conn, rw, err
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// record keeps code unless a status was already recorded or the connection
// was hijacked.
func (w *responseWriter) record(code int) {
	if w.code == 0 && !w.hijacked {
		w.code = code
	}
}

// codeLabel returns the code label of the response once the handler
// returned: its status class, "hijacked", or "2xx" if the handler wrote
// nothing, since net/http then sends 200.
func (w *responseWriter) codeLabel() string {
	switch {
	case w.code != 0:
		return codeLabel(w.code)
	case w.hijacked:
		return hijackedCode
	default:
		return codeLabel(http.StatusOK)
	}
}
