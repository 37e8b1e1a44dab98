package pprofserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// serveSymbol maps program counters to function names, the protocol the
// pprof tool uses to symbolize a profile: a GET answers "num_symbols: 1" (the
// tool only checks that it is not 0), and the counters to look up come as
// hexadecimal numbers joined by '+', in the query of a GET or the body of a
// POST. Each counter that falls in a function gets a line "0x<pc> <name>";
// others are left out.
func serveSymbol(w http.ResponseWriter, r *http.Request) {
	var in string
	if r.Method == http.MethodPost {
		// The server sets no ReadTimeout (it would cancel long profiles),
		// so bound the time a slow client may take to send the body here.
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(symbolReadBudget))
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSymbolBody))
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				serveError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("more than %d bytes of program counters", maxSymbolBody))
				return
			}
			serveError(w, http.StatusBadRequest, fmt.Sprintf("reading the program counters: %v", err))
			return
		}
		in = string(body)
	} else {
		in = r.URL.RawQuery
	}

	// The whole body is read before anything is written: HTTP/1 servers
	// cannot read more of a request once the response has begun.
	var out bytes.Buffer
	out.WriteString("num_symbols: 1\n")
	for word := range strings.SplitSeq(in, "+") {
		pc, err := strconv.ParseUint(strings.TrimSpace(word), 0, 64)
		if err != nil || pc == 0 {
			continue
		}
		if f := runtime.FuncForPC(uintptr(pc)); f != nil {
			fmt.Fprintf(&out, "%#x %s\n", pc, f.Name())
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write(out.Bytes())
}
