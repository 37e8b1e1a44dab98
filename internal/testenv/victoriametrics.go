package testenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// VMServer is a single-node VictoriaMetrics server shared by the tests of a
// test binary.
type VMServer struct {
	// HTTPURL is the base URL of the HTTP API (-httpListenAddr), such as
	// http://127.0.0.1:PORT; queries, /api/v1/export, /metrics, /health.
	HTTPURL string
	// OpenTSDBHTTPURL is the base URL of the OpenTSDB HTTP listener
	// (-opentsdbHTTPListenAddr), which serves POST /api/put.
	OpenTSDBHTTPURL string
	// OpenTSDBTelnetAddr is the host:port of the OpenTSDB listener
	// (-opentsdbListenAddr) for telnet "put" lines over TCP.
	OpenTSDBTelnetAddr string

	client *http.Client

	mu      sync.Mutex
	bin     string
	dir     string // temporary directory: data/, victoria-metrics.log
	args    []string
	proc    *proc
	logPath string
}

var vm struct {
	once sync.Once
	srv  *VMServer
	err  error
}

// VictoriaMetrics returns the VictoriaMetrics server of this test binary,
// starting it on first use, with unlimited retention (100y), the response
// cache disabled, and OpenTSDB telnet and HTTP listeners.
//
// If the server cannot be started, the test is skipped, or fails when CI is
// true; a start-up error is remembered and reported to every caller.
func VictoriaMetrics(t testing.TB) *VMServer {
	t.Helper()
	requireMain(t)
	vm.once.Do(func() { vm.srv, vm.err = startVM() })
	if vm.err != nil {
		unavailable(t, "VictoriaMetrics", "victoria-metrics", vm.err)
	}
	return vm.srv
}

func startVM() (*VMServer, error) {
	bin, err := exec.LookPath("victoria-metrics")
	if err != nil {
		return nil, err
	}
	v := &VMServer{bin: bin, client: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}}
	if v.dir, err = makeTempDir("vm"); err != nil {
		return nil, err
	}
	v.logPath = filepath.Join(v.dir, "victoria-metrics.log")
	httpPort, err := freePort(false)
	if err != nil {
		return nil, err
	}
	telnetPort, err := freePort(true) // also served over UDP
	if err != nil {
		return nil, err
	}
	otsdbHTTPPort, err := freePort(false)
	if err != nil {
		return nil, err
	}
	v.HTTPURL = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	v.OpenTSDBHTTPURL = fmt.Sprintf("http://127.0.0.1:%d", otsdbHTTPPort)
	v.OpenTSDBTelnetAddr = fmt.Sprintf("127.0.0.1:%d", telnetPort)
	v.args = []string{
		"-storageDataPath=" + filepath.Join(v.dir, "data"),
		"-retentionPeriod=100y",
		fmt.Sprintf("-httpListenAddr=127.0.0.1:%d", httpPort),
		"-opentsdbListenAddr=" + v.OpenTSDBTelnetAddr,
		fmt.Sprintf("-opentsdbHTTPListenAddr=127.0.0.1:%d", otsdbHTTPPort),
		"-search.disableCache",
		"-search.latencyOffset=0s",
		"-loggerLevel=ERROR",
	}
	if err := register(v.shutdown); err != nil {
		return nil, err
	}
	if err := v.Start(); err != nil {
		return nil, err
	}
	return v, nil
}

// Start starts the server again after Stop, on the same ports and storage,
// and waits until it is healthy. It does nothing if the server is running.
//
// Start and Stop act on the server shared by every test of the binary: a
// test using them must not run in parallel with other tests that use the
// server, and should restart the server before it ends (for instance with
// t.Cleanup).
func (v *VMServer) Start() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.proc != nil && !v.proc.exited() {
		return nil
	}
	proc, err := startProc(v.bin, v.args, v.dir, v.logPath, nil, os.Environ())
	if err != nil {
		return &startError{err: fmt.Errorf("victoria-metrics: %v", err), logTail: logTail(v.logPath)}
	}
	v.proc = proc
	otsdbHTTPAddr := strings.TrimPrefix(v.OpenTSDBHTTPURL, "http://")
	err = waitReady(proc, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if _, err := v.get(ctx, "/health", nil); err != nil {
			return err
		}
		if err := tcpReady(v.OpenTSDBTelnetAddr); err != nil {
			return err
		}
		return tcpReady(otsdbHTTPAddr)
	})
	if err != nil {
		_ = proc.stop(syscall.SIGKILL)
		return &startError{err: fmt.Errorf("victoria-metrics: %v", err), logTail: logTail(v.logPath)}
	}
	return nil
}

// Stop shuts the server down gracefully (buffered data is written to
// storage) and waits for it to exit. Its ports and storage are kept for
// Start. It does nothing if the server is not running. See Start about
// stopping the shared server.
func (v *VMServer) Stop() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.proc == nil {
		return nil
	}
	v.client.CloseIdleConnections()
	if err := v.proc.stop(syscall.SIGINT); err != nil {
		return fmt.Errorf("victoria-metrics: %v", err)
	}
	return nil
}

// Kill ends the server with SIGKILL, as a crash would, and waits for it to
// exit. Samples it acknowledged in the last seconds may be lost, even after
// ForceFlush, which makes them searchable but does not write them to disk.
// Its ports and storage are kept for Start. It does nothing if the server
// is not running. See Start about stopping the shared server.
func (v *VMServer) Kill() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.proc == nil {
		return nil
	}
	v.client.CloseIdleConnections()
	if err := v.proc.stop(syscall.SIGKILL); err != nil {
		return fmt.Errorf("victoria-metrics: %v", err)
	}
	return nil
}

// shutdown is the Main cleanup: stop the server if running.
func (v *VMServer) shutdown() error { return v.Stop() }

// get performs GET HTTPURL+path?query and returns the body of a 200 response.
func (v *VMServer) get(ctx context.Context, path string, query url.Values) ([]byte, error) {
	u := v.HTTPURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", path, resp.Status, strings.TrimSpace(string(body)))
	}
	return body, nil
}

// ForceFlush makes recently ingested samples searchable
// (GET /internal/force_flush). Ingestion is asynchronous, so samples sent
// just before may still be missing: poll Export until they arrive.
func (v *VMServer) ForceFlush(ctx context.Context) error {
	_, err := v.get(ctx, "/internal/force_flush", nil)
	return err
}

// ExportedSeries is one time series returned by Export.
type ExportedSeries struct {
	Name       string            // metric name (__name__)
	Tags       map[string]string // other labels; never nil
	Values     []float64
	Timestamps []int64 // milliseconds since the Unix epoch, ascending
}

// Export returns the raw samples of the series matching the series selector
// match (for example `{__name__=~"sys\\..*"}` or `cpu{host="a"}`), from
// GET /api/v1/export, sorted by name and then tags. It covers all time up to
// three days ahead (VictoriaMetrics would otherwise stop at the current
// time).
func (v *VMServer) Export(ctx context.Context, match string) ([]ExportedSeries, error) {
	q := url.Values{
		"match[]": {match},
		"start":   {"0"},
		"end":     {strconv.FormatInt(time.Now().Add(72*time.Hour).Unix(), 10)},
	}
	body, err := v.get(ctx, "/api/v1/export", q)
	if err != nil {
		return nil, err
	}
	var out []ExportedSeries
	for _, line := range strings.Split(string(body), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		s, err := parseExportLine(line)
		if err != nil {
			return nil, fmt.Errorf("export: %v in %q", err, line)
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return tagsKey(out[i].Tags) < tagsKey(out[j].Tags)
	})
	return out, nil
}

func tagsKey(tags map[string]string) string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%q=%q,", k, tags[k])
	}
	return b.String()
}

// parseExportLine parses one line of /api/v1/export output. It is JSON
// except that values may be bare +Inf, -Inf or NaN, so the values array is
// parsed separately; it is the last "values":[ of the line, since any
// earlier one would be inside a label string.
func parseExportLine(line string) (ExportedSeries, error) {
	const key = `"values":[`
	i := strings.LastIndex(line, key)
	if i < 0 {
		return ExportedSeries{}, errors.New(`no "values"`)
	}
	start := i + len(key)
	n := strings.IndexByte(line[start:], ']')
	if n < 0 {
		return ExportedSeries{}, errors.New(`unterminated "values"`)
	}
	var values []float64
	if raw := strings.TrimSpace(line[start : start+n]); raw != "" {
		for _, f := range strings.Split(raw, ",") {
			f = strings.Trim(strings.TrimSpace(f), `"`)
			if f == "null" {
				values = append(values, math.NaN())
				continue
			}
			x, err := strconv.ParseFloat(f, 64)
			if err != nil {
				return ExportedSeries{}, err
			}
			values = append(values, x)
		}
	}
	var rec struct {
		Metric     map[string]string `json:"metric"`
		Timestamps []int64           `json:"timestamps"`
	}
	if err := json.Unmarshal([]byte(line[:start]+line[start+n:]), &rec); err != nil {
		return ExportedSeries{}, err
	}
	if len(values) != len(rec.Timestamps) {
		return ExportedSeries{}, fmt.Errorf("%d values but %d timestamps", len(values), len(rec.Timestamps))
	}
	s := ExportedSeries{Tags: map[string]string{}, Values: values, Timestamps: rec.Timestamps}
	for k, val := range rec.Metric {
		if k == "__name__" {
			s.Name = val
		} else {
			s.Tags[k] = val
		}
	}
	return s, nil
}

// Metric returns the value of the server's own metric name from GET
// /metrics, summed over all its label sets; for example
// Metric(ctx, "vm_rows_invalid_total") counts rejected input rows of every
// protocol. It fails if the metric is not exposed at all.
func (v *VMServer) Metric(ctx context.Context, name string) (float64, error) {
	body, err := v.get(ctx, "/metrics", nil)
	if err != nil {
		return 0, err
	}
	var sum float64
	found := false
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || line[0] == '#' || !strings.HasPrefix(line, name) {
			continue
		}
		if rest := line[len(name):]; rest == "" || (rest[0] != '{' && rest[0] != ' ') {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		x, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return 0, fmt.Errorf("metric %s: %v in %q", name, err, line)
		}
		sum += x
		found = true
	}
	if !found {
		return 0, fmt.Errorf("metric %s not exposed by victoria-metrics", name)
	}
	return sum, nil
}
