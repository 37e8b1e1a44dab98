// Package testkit holds the small helpers that the tests of several
// packages share: polling for a condition, goroutine-leak checks, and a
// buffer that loggers may write to from many goroutines.
package testkit
