// Package testkit holds the small helpers that the tests of several
// packages share: a buffer that loggers may write to from many goroutines,
// and the stacks of the running goroutines, for leak checks.
package testkit

import (
	"bytes"
	"runtime"
	"strings"
	"sync"
)

// Buffer is a bytes.Buffer safe for concurrent use, such as the output of a
// logger written from several goroutines. The zero value is ready to use.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Stacks returns the stack of every goroutine, one string each, the
// caller's first, as runtime.Stack prints them.
func Stacks() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(string(buf[:n]), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}
