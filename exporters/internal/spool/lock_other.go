//go:build !unix

package spool

import (
	"errors"
	"os"
)

// lockDir refuses: without flock, two processes could share a directory
// and offer the same records twice.
func lockDir(dir string) (*os.File, error) {
	return nil, errors.New("spool: not supported on this platform (needs flock)")
}
