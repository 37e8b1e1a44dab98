package opentsdb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// putAnswer is the body of an /api/put?details answer:
//
//	{"success":1,"failed":1,"errors":[{"datapoint":{"metric":"sys.cpu","timestamp":1365465600,"value":"NaN","tags":{"host":"a"}},"error":"Unable to parse value to a number"}]}
type putAnswer struct {
	Success *int64 `json:"success"`
	Failed  *int64 `json:"failed"`
	Errors  []struct {
		Datapoint json.RawMessage `json:"datapoint"`
		Error     string          `json:"error"`
	} `json:"errors"`
}

// parsePutAnswer parses a summary or details answer; ok is false when body
// is not one (an error answer, or empty).
func parsePutAnswer(body []byte) (a putAnswer, ok bool) {
	if err := json.Unmarshal(body, &a); err != nil {
		return putAnswer{}, false
	}
	return a, a.Success != nil || a.Failed != nil || a.Errors != nil
}

// result turns the answer to a request of n points into a result: points
// the TSD could not queue for a passing reason (its HBase client asked to
// throttle, or timed out) are to be sent again, as the TSD echoed them; the
// other failures are refused for good.
func (a putAnswer) result(n int) result {
	var r result
	failed := len(a.Errors)
	if a.Failed != nil {
		failed = int(*a.Failed)
	}
	for _, e := range a.Errors {
		if retryable(e.Error) && len(e.Datapoint) > 0 && len(r.retry) < n {
			var dp bytes.Buffer
			if json.Compact(&dp, e.Datapoint) == nil {
				r.retry = append(r.retry, dp.Bytes())
				continue
			}
		}
		r.errors = addError(r.errors, putError{Error: e.Error, Example: datapointString(e.Datapoint), points: 1})
	}
	r.rejected = max(min(failed-len(r.retry), n-len(r.retry)), 0)
	if unexplained := r.rejected - countPoints(r.errors); unexplained > 0 {
		r.errors = addError(r.errors, putError{Error: "refused without details", points: unexplained})
	}
	return r
}

// retryable reports whether an /api/put error text says the point may be
// stored if sent again: OpenTSDB's "Please throttle" (its HBase client's
// PleaseThrottleException) and "Timeout exception" / "Write timedout".
func retryable(text string) bool {
	t := strings.ToLower(text)
	return strings.Contains(t, "throttle") || strings.Contains(t, "timeout") || strings.Contains(t, "timedout")
}

// putError is one kind of error the TSD gave, with how many points had it
// and an example.
type putError struct {
	Error   string
	Example string // the first point with this error, as "metric k=v ..."
	points  int
}

func (e putError) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%q", e.Error)
	if e.points > 1 {
		fmt.Fprintf(&b, " x%d", e.points)
	}
	if e.Example != "" {
		fmt.Fprintf(&b, " (e.g. %s)", e.Example)
	}
	return b.String()
}

// addError adds e to errs, merging it with an error of the same text.
func addError(errs []putError, e putError) []putError {
	for i := range errs {
		if errs[i].Error == e.Error {
			errs[i].points += e.points
			return errs
		}
	}
	if len(errs) >= maxKeptErrors {
		return errs
	}
	return append(errs, e)
}

func countPoints(errs []putError) int {
	n := 0
	for _, e := range errs {
		n += e.points
	}
	return n
}

// summarize joins errors for a log line or an error message.
func summarize(errs []putError) string {
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = e.String()
	}
	return strings.Join(parts, "; ")
}

// datapointString describes an echoed data point as "metric k=v ...".
func datapointString(raw json.RawMessage) string {
	var dp struct {
		Metric string            `json:"metric"`
		Tags   map[string]string `json:"tags"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &dp) != nil || dp.Metric == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(dp.Metric)
	// Sorted, for a stable message.
	keys := make([]string, 0, len(dp.Tags))
	for k := range dp.Tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%s", k, dp.Tags[k])
	}
	return b.String()
}

// parseErrorAnswer returns the message of OpenTSDB's error answer,
//
//	{"error":{"code":400,"message":"...","details":"..."}}
//
// or "" if body is not one.
func parseErrorAnswer(body []byte) string {
	var a struct {
		Error *struct {
			Message string `json:"message"`
			Details string `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &a) != nil || a.Error == nil || a.Error.Message == "" {
		return ""
	}
	if a.Error.Details != "" && a.Error.Details != a.Error.Message {
		return a.Error.Message + ": " + a.Error.Details
	}
	return a.Error.Message
}
