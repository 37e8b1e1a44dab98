package opentsdb

import (
	"encoding/json"
	"testing"
)

// FuzzClassify: whatever a server answers, classify neither panics nor
// counts more points than the request held, and what it asks to send again
// is valid JSON.
func FuzzClassify(f *testing.F) {
	f.Add(400, []byte(`{"errors":[{"datapoint":{"metric":"a","timestamp":1,"value":"1","tags":{"h":"x"}},"error":"Please throttle"}],"failed":1,"success":0}`), 3)
	f.Add(400, []byte(`{"failed":-5}`), 3)
	f.Add(200, []byte(`{"failed":99,"success":1}`), 2)
	f.Add(400, []byte(`{"error":{"code":400,"message":"Chunked request not supported."}}`), 50)
	f.Add(500, []byte(`<html>`), 1)
	f.Add(400, []byte(`{"errors":[{"datapoint":{},"error":"timeout"},{"datapoint":{},"error":"timeout"}],"failed":2}`), 1)
	h := newHTTPSender(settings{putURL: "http://tsd:4242/api/put?details"})
	f.Fuzz(func(t *testing.T, status int, body []byte, n int) {
		if n < 1 || n > 10000 {
			return
		}
		res := h.classify(status, body, nil, n)
		if res.err != nil {
			return
		}
		if res.rejected < 0 || res.rejected+len(res.retry) > n {
			t.Errorf("status %d, %d points: rejected %d, retry %d", status, n, res.rejected, len(res.retry))
		}
		for _, r := range res.retry {
			if !json.Valid(r) {
				t.Errorf("retry point %q is not JSON", r)
			}
		}
	})
}
