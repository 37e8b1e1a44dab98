package livepage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/healthcheck"
	"github.com/vitals-go/vitals/metrics"
)

// Defaults of Config.
const (
	DefaultWindow    = time.Hour
	DefaultMaxSeries = 1000
)

// MaxStreams is how many live updates (api/events) a Page serves at once.
// A page opened beyond them is refused with 503 and polls api/state.
const MaxStreams = 4

// Config configures a Page. The zero value keeps an hour of snapshots
// taken every 10 s, of up to 1,000 series, without health report or
// exporters.
type Config struct {
	// Window is how much history the page keeps and shows. Defaults to an
	// hour. It is at least two Intervals (a shorter one is raised to that),
	// since a rate needs two snapshots. The history holds at most 720
	// snapshots: with an Interval shorter than Window/720, it is that many
	// intervals.
	Window time.Duration

	// Interval is the time between the snapshots given to Observe, the
	// Reporter's interval. It sizes the history, and is the State's
	// interval_ms. Defaults to exporters.DefaultInterval.
	Interval time.Duration

	// MaxSeries bounds the series kept: the series of a snapshot beyond
	// them are left out and counted (dropped_series) until older ones
	// leave the window. Defaults to DefaultMaxSeries. For 360 snapshots,
	// the history takes about 1.6 KiB per gauge, counter or meter and
	// 5.6 KiB per histogram or timer.
	MaxSeries int

	// Health, if set, gives the health report shown at the top of the
	// page, such as healthcheck.Health.Report.
	Health func(context.Context) healthcheck.Report

	// Exporters, if set, gives the exporters' state shown under it, such
	// as exporters.Reporter.Health.
	Exporters func() []exporters.ExporterHealth
}

// Page is the live page: an http.Handler of the page and its API, and the
// history of snapshots it shows, fed by Observe. Its methods are safe for
// concurrent use.
type Page struct {
	hist      *history
	interval  int64 // ms
	health    func(context.Context) healthcheck.Report
	exporters func() []exporters.ExporterHealth
	mux       *http.ServeMux

	streams   atomic.Int32
	shutdowns shutdowns
	keepalive time.Duration // between two comments on an idle stream
	stall     time.Duration // the longest a write to a stream may block

	cacheMu sync.Mutex
	cache   [2]cachedPart
	next    int // the entry of cache to replace
}

// maxCachedPart bounds the parts kept in Page.cache: the updates that every
// live page asks for after a snapshot are, a whole history (3.6 MB for
// 1,000 series) is not.
const maxCachedPart = 1 << 20

// cachedPart is the history's part of a State response (appendHistory),
// built once for every request that asks for the same snapshots.
type cachedPart struct {
	seq   uint64
	first int // the position of the first snapshot in the history; -1 unused
	full  bool
	body  []byte
}

// New returns a Page with an empty history.
func New(cfg Config) (*Page, error) {
	var problems []error
	if cfg.Window < 0 {
		problems = append(problems, fmt.Errorf("Window is %v; it must be positive (or 0 for the default, %v)", cfg.Window, DefaultWindow))
	}
	if cfg.Interval < 0 || (cfg.Interval > 0 && cfg.Interval < time.Millisecond) {
		problems = append(problems, fmt.Errorf("Interval is %v; it must be at least 1ms (or 0 for the default, %v)",
			cfg.Interval, exporters.DefaultInterval))
	}
	if cfg.MaxSeries < 0 {
		problems = append(problems, fmt.Errorf("MaxSeries is %d; it must be positive (or 0 for the default, %d)",
			cfg.MaxSeries, DefaultMaxSeries))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, fmt.Errorf("livepage: invalid Config: %w", err)
	}
	window, interval := cfg.Window, cfg.Interval
	if window == 0 {
		window = DefaultWindow
	}
	if interval == 0 {
		interval = exporters.DefaultInterval
	}
	window = max(window, 2*interval) // a rate needs the snapshot before
	maxSeries := cfg.MaxSeries
	if maxSeries == 0 {
		maxSeries = DefaultMaxSeries
	}
	p := &Page{
		hist:      newHistory(window, interval, maxSeries),
		interval:  interval.Milliseconds(),
		health:    cfg.Health,
		exporters: cfg.Exporters,
		keepalive: 15 * time.Second,
		stall:     5 * time.Second,
	}
	for i := range p.cache {
		p.cache[i].first = -1
	}
	p.mux = http.NewServeMux()
	p.mux.HandleFunc("GET /{$}", serveIndex)
	p.mux.HandleFunc("GET /static/{path...}", serveStatic)
	p.mux.HandleFunc("GET /api/state", p.serveState)
	p.mux.HandleFunc("GET /api/events", p.serveEvents)
	p.mux.HandleFunc("GET /api/heatmap", p.serveHeatmap)
	p.mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "livepage: no such page: "+r.URL.Path)
	})
	return p, nil
}

// Observe adds snap to the history, as the newest snapshot, and wakes the
// live updates. It is meant for exporters.Config.OnSnapshot: it copies
// what it keeps, and takes time in proportion to the series of snap
// (about 0.2 ms for 1,000, see BenchmarkObserve) without waiting for
// readers of the page longer than they take to copy the history.
func (p *Page) Observe(snap metrics.Snapshot) { p.hist.observe(&snap) }

// ServeHTTP serves the page and its API at the root: mount it under a
// prefix with http.StripPrefix, as in
// mux.Handle("/debug/vitals/", http.StripPrefix("/debug/vitals", page)).
// The page's links are relative, so it works under any prefix that ends in
// a slash.
func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.mux.ServeHTTP(w, r) }

// serveState serves api/state: the whole history, or with since=SEQ the
// snapshots after SEQ.
func (p *Page) serveState(w http.ResponseWriter, r *http.Request) {
	q, err := queryParams(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	part, _, _ := p.historyPart(q)
	live := p.appendLive(r.Context(), nil)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(part)+len(live)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(part) // an error means the client went away
		_, _ = w.Write(live)
	}
}

// historyPart returns the history's part of a State of what q asks for,
// and the newest snapshot's number and the epoch in it: from the cache
// when the same small part was asked for since the last snapshot. The
// part must not be modified.
func (p *Page) historyPart(q query) (part []byte, seq, epoch uint64) {
	p.cacheMu.Lock()
	p.hist.mu.RLock()
	seq, epoch = p.hist.seq, p.hist.epoch // the epoch changes only with seq
	first, full := p.hist.rangeOf(q)
	p.hist.mu.RUnlock()
	for _, c := range p.cache {
		if c.seq == seq && c.first == first && c.full == full {
			p.cacheMu.Unlock()
			return c.body, seq, epoch
		}
	}
	p.cacheMu.Unlock()

	v := p.hist.read(q) // a snapshot may have come meanwhile: keyed by what was read
	body := appendHistory(nil, &v, p.interval, p.hist.span())
	if len(body) <= maxCachedPart {
		p.cacheMu.Lock()
		p.cache[p.next] = cachedPart{seq: v.seq, first: v.first, full: v.full, body: body}
		p.next = (p.next + 1) % len(p.cache)
		p.cacheMu.Unlock()
	}
	return body, v.seq, v.epoch
}

// queryParams reads ?since=SEQ&epoch=EPOCH: the whole history without
// since; without epoch, since is taken to be of this history.
func queryParams(r *http.Request) (query, error) {
	params := r.URL.Query()
	var q query
	for _, f := range [...]struct {
		name, what string
		dst        *uint64
	}{{"since", "the seq", &q.seq}, {"epoch", "the epoch", &q.epoch}} {
		if !params.Has(f.name) {
			continue
		}
		s := params.Get(f.name)
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return query{}, fmt.Errorf("livepage: invalid %s=%q: want %s of a State, a non-negative integer", f.name, s, f.what)
		}
		*f.dst = v
	}
	q.all = !params.Has("since")
	return q, nil
}

// writeError answers with a JSON error: {"error":"..."}.
func writeError(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg}) // a string always encodes
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
