package browsertest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// apiState is the part of the page's api/state that the tests check.
type apiState struct {
	Seq    uint64      `json:"seq"`
	Times  []int64     `json:"times"`
	Series []apiSeries `json:"series"`
	Health struct {
		Status string `json:"status"`
		Text   string `json:"text"`
	} `json:"health"`
	Exporters []struct {
		Name string `json:"name"`
	} `json:"exporters"`
}

// apiSeries is one series of an apiState.
type apiSeries struct {
	ID    string                `json:"id"`
	Name  string                `json:"name"`
	Tags  map[string]string     `json:"tags"`
	Kind  string                `json:"kind"`
	Unit  string                `json:"unit"`
	Lines map[string][]*float64 `json:"lines"`
}

// mainLine is the line the page counts in a section's data-points and
// draws first: the rate of counters and meters, the value of gauges, the
// p50 of histograms and timers.
func (s apiSeries) mainLine() []*float64 {
	switch s.Kind {
	case "counter", "meter":
		return s.Lines["rate"]
	case "histogram", "timer":
		return s.Lines["p50"]
	}
	return s.Lines["value"]
}

// points counts the values of line that are not null.
func points(line []*float64) int {
	n := 0
	for _, v := range line {
		if v != nil {
			n++
		}
	}
	return n
}

// get requests path, relative to the page, with the service's token; it
// returns the status and the body.
func (s *service) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// state returns the page's whole api/state.
func (s *service) state(t *testing.T) *apiState {
	t.Helper()
	status, body := s.get(t, "api/state")
	if status != http.StatusOK {
		t.Fatalf("api/state: %d %s", status, body)
	}
	var st apiState
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("api/state: %v", err)
	}
	return &st
}

// waitSnapshots waits until the history holds n snapshots, and returns it.
func (s *service) waitSnapshots(t *testing.T, n int, timeout time.Duration) *apiState {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := s.state(t)
		if len(st.Times) >= n {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, the history holds %d snapshots, want %d", timeout, len(st.Times), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// matches is the page's filter, for the tests: every term of filter, a
// case-insensitive substring, is in the series' name or one of its tags
// written key=value.
func (s apiSeries) matches(filter string) bool {
	text := strings.ToLower(s.Name)
	for k, v := range s.Tags {
		text += " " + strings.ToLower(k+"="+v)
	}
	for _, term := range strings.Fields(strings.ToLower(filter)) {
		if !strings.Contains(text, term) {
			return false
		}
	}
	return true
}
