package healthcheck

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"
)

// run calls every check concurrently, with one deadline for all of them,
// and returns their results in order. A check still running at the
// deadline is abandoned: its goroutine finishes whenever the check
// returns, into a buffered channel that nobody reads.
func (h *Health) run(ctx context.Context, checks []*entry) []CheckResult {
	results := make([]CheckResult, len(checks))
	if len(checks) == 0 {
		return results
	}
	ctx, cancel := context.WithTimeout(ctx, h.checkTimeout)
	defer cancel()

	type answer struct {
		i int
		r Result
	}
	answers := make(chan answer, len(checks))
	answered := make([]bool, len(checks))
	pending := 0
	for i, e := range checks {
		results[i].Name = e.name
		started := time.Now()
		if !e.running.CompareAndSwap(nil, &started) {
			results[i].Status, results[i].Value = Critical, h.stillRunning(e)
			answered[i] = true
			continue
		}
		pending++
		go func() {
			// Clear the mark before answering, so that the next report may
			// call the check again; and also if the check calls
			// runtime.Goexit. Only this call's mark is cleared.
			defer e.running.CompareAndSwap(&started, nil)
			r := h.call(ctx, e)
			e.running.CompareAndSwap(&started, nil)
			answers <- answer{i, r}
		}()
	}

	for ; pending > 0; pending-- {
		select {
		case a := <-answers:
			results[a.i].Status, results[a.i].Value = normalize(a.r)
			answered[a.i] = true
		case <-ctx.Done():
			// Answers that arrived with the deadline are better than a timeout.
			for len(answers) > 0 {
				a := <-answers
				results[a.i].Status, results[a.i].Value = normalize(a.r)
				answered[a.i] = true
			}
			for i := range results {
				if !answered[i] {
					results[i].Status = Critical
					results[i].Value = "timed out after " + h.checkTimeout.String()
				}
			}
			return results
		}
	}
	return results
}

// stillRunning describes a check whose earlier call has not returned.
func (h *Health) stillRunning(e *entry) string {
	since := "a moment"
	if started := e.running.Load(); started != nil {
		since = time.Since(*started).Round(time.Second).String()
	}
	return fmt.Sprintf("timed out: the previous call has been running for %s (timeout %v)", since, h.checkTimeout)
}

// call calls e's check, turning a panic into a Critical result. The first
// panic of each registered check is logged with its stack.
func (h *Health) call(ctx context.Context, e *entry) (r Result) {
	defer func() {
		if p := recover(); p != nil {
			r = Result{Status: Critical, Value: fmt.Sprintf("panic: %v", p)}
			if e.loggedPanic.CompareAndSwap(false, true) {
				h.logger.Error("healthcheck: check panicked; it is reported as CRITICAL (further panics of this check are not logged)",
					"check", e.name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			}
		}
	}()
	return e.check(ctx)
}

// normalize returns a result's status and value as reported: an invalid
// status is Critical, and the value is sanitized.
func normalize(r Result) (Status, string) {
	if r.Status < Good || r.Status > Critical {
		return Critical, sanitize(fmt.Sprintf("invalid status %d: %s", int(r.Status), r.Value), maxField)
	}
	return r.Status, sanitize(r.Value, maxField)
}
