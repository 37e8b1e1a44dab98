package opentsdb

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vitals-go/vitals/exporters/internal/tsdb"
)

// httpSender posts snapshots to /api/put in batches.
type httpSender struct {
	cfg       settings
	client    *http.Client
	transport *http.Transport

	// buf holds the JSON bodies of the current snapshot's batches back to
	// back; batches says where each one is. Both are reused.
	buf     []byte
	batches []span

	// progress remembers what is settled of the snapshot being sent, so
	// that a retry sends only the rest.
	progress httpProgress

	gzipPool sync.Pool // of *gzipBuffer

	lastLogged time.Time // of refused points
	unlogged   int       // refused points not logged since
}

// span is one batch: buf[start:end] is its JSON array of n points.
type span struct{ start, end, n int }

// httpProgress is what has been settled of one snapshot.
type httpProgress struct {
	seq      uint64   // the snapshot's Seq; 0 when nothing can be retried
	done     []bool   // per batch: answered, every point stored or refused
	retry    [][]byte // points the TSD asked to be sent again later ("Please throttle"), as it echoed them
	rejected int      // points the TSD refused as invalid
	errors   []putError
}

// maxKeptErrors is how many of the TSD's error texts are kept per snapshot
// for the log and the returned error.
const maxKeptErrors = 5

func newHTTPSender(cfg settings) *httpSender {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: cfg.timeout, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = cfg.timeout
	tr.ResponseHeaderTimeout = cfg.timeout
	tr.MaxIdleConnsPerHost = cfg.parallelism
	tr.MaxIdleConns = max(tr.MaxIdleConns, cfg.parallelism)
	tr.IdleConnTimeout = 90 * time.Second
	return &httpSender{
		cfg:       cfg,
		transport: tr,
		client: &http.Client{
			Transport: tr,
			// A redirect would turn the POST into a GET; report it instead.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

func (h *httpSender) close() { h.transport.CloseIdleConnections() }

// export sends the points of the snapshot numbered seq that are not
// settled yet: all of them unless seq is that of the previous call, which
// failed, and not 0 (see exporters.Exporter). It returns how many points
// the TSD refused in this snapshot, with why, once every batch is settled,
// or a transient error.
func (h *httpSender) export(ctx context.Context, seq uint64, points []tsdb.Point) (rejected int, reason, err error) {
	h.encode(points)
	p := &h.progress
	// Other batches under the same Seq are a caller's mistake: start over
	// rather than index batches that are not there.
	if seq == 0 || seq != p.seq || len(p.done) != len(h.batches) {
		*p = httpProgress{seq: seq, done: make([]bool, len(h.batches))}
	}
	jobs := h.jobs()

	var (
		next     atomic.Int64 // the next job to claim
		failed   atomic.Bool  // a transient error: start no more requests
		mu       sync.Mutex   // guards p and firstErr while the workers run
		firstErr error
		wg       sync.WaitGroup
	)
	worker := func() {
		defer wg.Done()
		for {
			if failed.Load() || ctx.Err() != nil {
				return
			}
			i := int(next.Add(1)) - 1
			if i >= len(jobs) {
				return
			}
			j := jobs[i]
			res := h.send(ctx, j.body, j.n)

			mu.Lock()
			if res.err != nil {
				failed.Store(true)
				if firstErr == nil {
					firstErr = res.err
				}
				p.retry = append(p.retry, j.retry...) // still to send
			} else {
				if j.batch >= 0 {
					p.done[j.batch] = true
				}
				p.retry = append(p.retry, res.retry...)
				p.rejected += res.rejected
				for _, e := range res.errors {
					p.errors = addError(p.errors, e)
				}
			}
			mu.Unlock()
		}
	}
	for range min(h.cfg.parallelism, len(jobs)) {
		wg.Add(1)
		go worker()
	}
	wg.Wait()
	// Jobs never started: their points the TSD asked to see again stay due.
	for i := int(min(next.Load(), int64(len(jobs)))); i < len(jobs); i++ {
		p.retry = append(p.retry, jobs[i].retry...)
	}

	if firstErr == nil && ctx.Err() != nil {
		firstErr = failure(ctx, h.cfg.where, ctx.Err(), h.cfg.timeout, "no answer")
	}
	if firstErr == nil && len(p.retry) > 0 {
		firstErr = &exchangeError{cause: fmt.Sprintf("the TSD is overloaded: it asked to send %d points again later", len(p.retry)), where: h.cfg.where}
	}
	if firstErr != nil {
		return 0, nil, firstErr
	}
	rejected, errs := p.rejected, p.errors
	*p = httpProgress{done: p.done[:0]}
	if rejected == 0 {
		return 0, nil, nil
	}
	h.logRejected(rejected, errs)
	return rejected, fmt.Errorf("the TSD refused %d points: %s", rejected, summarize(errs)), nil
}

// delivered returns how many points of the snapshot in progress the TSD has
// stored: those of the answered batches, less the ones it refused or asked
// to see again.
func (h *httpSender) delivered() int {
	p := &h.progress
	n := 0
	for i, done := range p.done {
		if done && i < len(h.batches) {
			n += h.batches[i].n
		}
	}
	return max(n-len(p.retry)-p.rejected, 0)
}

// encode writes the points' JSON into h.buf as batches of at most BatchSize
// points and MaxRequestBytes bytes each, and records them in h.batches. The
// same points always make the same batches.
func (h *httpSender) encode(points []tsdb.Point) {
	buf, batches := h.buf[:0], h.batches[:0]
	start, n := 0, 0
	for _, pt := range points {
		mark := len(buf)
		if n == 0 {
			buf = append(buf, '[')
		} else {
			buf = append(buf, ',')
		}
		buf = tsdb.AppendJSON(buf, pt)
		if n > 0 && (n == h.cfg.batchSize || len(buf)+len("]")-start > h.cfg.maxRequestBytes) {
			// This point starts the next batch: its ',' becomes "][".
			buf = append(buf, 0)
			copy(buf[mark+2:], buf[mark+1:len(buf)-1])
			buf[mark], buf[mark+1] = ']', '['
			batches = append(batches, span{start, mark + 1, n})
			start, n = mark+1, 0
		}
		n++
	}
	if n > 0 {
		buf = append(buf, ']')
		batches = append(batches, span{start, len(buf), n})
	}
	h.buf, h.batches = buf, batches
}

// job is one request to make: a batch of the snapshot (batch >= 0), or
// points the TSD asked to be sent again (retry).
type job struct {
	body  []byte
	n     int
	batch int      // index in h.batches, or -1
	retry [][]byte // the points of a retry job
}

// jobs lists the requests still due for the snapshot in progress: first the
// points the TSD asked to see again, grouped like batches, then every batch
// not settled yet. It takes the retry points out of the progress; the
// caller puts back those that fail again.
func (h *httpSender) jobs() []job {
	p := &h.progress
	var jobs []job
	pending := p.retry
	p.retry = nil
	for len(pending) > 0 {
		body := []byte{'['}
		n := 0
		for n < len(pending) && n < h.cfg.batchSize &&
			(n == 0 || len(body)+len(",]")+len(pending[n]) <= h.cfg.maxRequestBytes) {
			if n > 0 {
				body = append(body, ',')
			}
			body = append(body, pending[n]...)
			n++
		}
		body = append(body, ']')
		jobs = append(jobs, job{body: body, n: n, batch: -1, retry: pending[:n:n]})
		pending = pending[n:]
	}
	for i, b := range h.batches {
		if !p.done[i] {
			jobs = append(jobs, job{body: h.buf[b.start:b.end], n: b.n, batch: i})
		}
	}
	return jobs
}

// result is how one request went. err is a transient failure: nothing of
// the request counts as settled. Otherwise rejected points were refused for
// good, and retry holds points to send again.
type result struct {
	err      error
	rejected int
	retry    [][]byte
	errors   []putError
}

// send posts one batch of n points.
func (h *httpSender) send(exportCtx context.Context, body []byte, n int) result {
	ctx, cancel := context.WithTimeout(exportCtx, h.cfg.timeout)
	defer cancel()

	var gz *gzipBuffer
	if h.cfg.gzip {
		gz = h.compress(body)
		defer h.gzipPool.Put(gz)
		body = gz.buf.Bytes()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.putURL, bytes.NewReader(body))
	if err != nil {
		return result{err: fmt.Errorf("opentsdb: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "vitals-opentsdb")
	if gz != nil {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return result{err: failure(exportCtx, h.cfg.where, err, h.cfg.timeout, "no answer")}
	}
	answer, readErr := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer)) // let the connection be reused
	resp.Body.Close()
	return h.classify(resp.StatusCode, answer, readErr, n)
}

// maxAnswer bounds how much of an answer is read: a details answer lists
// at most a batch's points.
const maxAnswer = 4 << 20

// classify turns the TSD's answer to a batch of n points into a result.
//
//   - 204: stored.
//   - 200: stored; a summary or details body may still count failures.
//   - 400 with a details body: the points in "errors" were refused, the
//     others stored; "Please throttle" and timeouts are sent again later.
//   - 400 or 413 without one: the TSD refused the whole request (too big,
//     unparsable): every point counts as refused.
//   - anything else (5xx, 429, 408, 404 from a read-only TSD, a redirect):
//     transient, the batch is sent again.
func (h *httpSender) classify(status int, answer []byte, readErr error, n int) result {
	switch {
	case status == http.StatusNoContent:
		return result{}
	case status >= 200 && status < 300:
		if d, ok := parsePutAnswer(answer); ok && (d.Failed != nil && *d.Failed > 0 || len(d.Errors) > 0) {
			return d.result(n)
		}
		return result{}
	case status == http.StatusBadRequest || status == http.StatusRequestEntityTooLarge:
		if d, ok := parsePutAnswer(answer); ok {
			return d.result(n)
		}
		msg := errorMessage(answer, readErr)
		if status == http.StatusRequestEntityTooLarge || strings.Contains(msg, "Chunked request not supported") {
			msg += fmt.Sprintf(" (the request of %d points was too big for the TSD: lower MaxRequestBytes or BatchSize, or raise tsd.http.request.max_chunk with tsd.http.request.enable_chunked = true)", n)
		}
		return result{rejected: n, errors: []putError{{Error: fmt.Sprintf("HTTP %d: %s", status, msg), points: n}}}
	default:
		msg := errorMessage(answer, readErr)
		if len(msg) > maxCauseMessage {
			msg = strings.ToValidUTF8(msg[:maxCauseMessage], "") + "..."
		}
		return result{err: &exchangeError{cause: fmt.Sprintf("HTTP %d: %s", status, msg), where: h.cfg.where}}
	}
}

// maxCauseMessage bounds how much of the TSD's error message a transient
// error repeats, so that it fits a health line.
const maxCauseMessage = 100

// gzipBuffer is a reusable gzip writer and its output.
type gzipBuffer struct {
	buf bytes.Buffer
	w   *gzip.Writer
}

// compress gzips body into a pooled buffer; put it back when done.
func (h *httpSender) compress(body []byte) *gzipBuffer {
	gz, _ := h.gzipPool.Get().(*gzipBuffer)
	if gz == nil {
		gz = &gzipBuffer{}
		// BestSpeed: metrics JSON is repetitive enough that the fastest
		// level already shrinks it several times.
		gz.w, _ = gzip.NewWriterLevel(&gz.buf, gzip.BestSpeed)
	}
	gz.buf.Reset()
	gz.w.Reset(&gz.buf)
	_, _ = gz.w.Write(body) // a bytes.Buffer does not fail
	_ = gz.w.Close()
	return gz
}

// logRejected logs the points the TSD refused in a snapshot, at most once
// a minute: the same refusal tends to repeat with every snapshot.
func (h *httpSender) logRejected(n int, errs []putError) {
	now := time.Now()
	if !h.lastLogged.IsZero() && now.Sub(h.lastLogged) < time.Minute {
		h.unlogged += n
		return
	}
	attrs := []any{"url", h.cfg.putURL, "points", n}
	if h.unlogged > 0 {
		attrs = append(attrs, "not_logged_since_last", h.unlogged)
	}
	h.lastLogged, h.unlogged = now, 0
	for i, e := range errs {
		attrs = append(attrs, fmt.Sprintf("error%d", i+1), e.String())
	}
	h.cfg.logger.Warn("opentsdb: the TSD refused points", attrs...)
}

// errorMessage extracts a readable message from an error answer.
func errorMessage(answer []byte, readErr error) string {
	if readErr != nil {
		return fmt.Sprintf("reading the answer: %v", readErr)
	}
	if msg := parseErrorAnswer(answer); msg != "" {
		return msg
	}
	s := strings.TrimSpace(string(answer))
	if s == "" {
		return "no answer body"
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
