package testkit

import (
	"testing"
	"time"
)

// maxPollInterval bounds the wait between two calls of Poll's condition.
const maxPollInterval = 20 * time.Millisecond

// Poll calls cond until it returns true, and fails the test with "timed out
// after <within> waiting for <what>" if it has not within that time. It
// waits 1 ms after the first call, twice as long after each further one,
// up to 20 ms: a condition that holds soon is seen soon, and one that
// takes seconds costs few calls. It is for conditions the test cannot be
// told about (a goroutine that ended, a server that saw a request); it
// never orders events. Under testing/synctest it waits in the bubble's
// time.
func Poll(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for wait := time.Millisecond; !cond(); wait = min(2*wait, maxPollInterval) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(wait)
	}
}
