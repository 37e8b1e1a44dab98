package browsertest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/vitals-go/vitals/metrics"
)

// loadSeries and loadSnapshots size the load test: the 1,000
// series over an hour at 10 s.
const (
	loadSeries    = 1000
	loadSnapshots = 360
)

// TestLoadTime1000Series loads the page of 1,000 series with 360
// snapshots each and measures the time from navigation start to the first
// charts in view drawn (the performance mark app.js sets): once in a
// fresh browser, then seven times in the same one, the best of which must
// be under 300 ms. The history is made quickly with a 40 ms interval, in
// a window of 365 intervals; the page loads once 360 snapshots are there.
// The workload stops before the page loads, but the snapshots go on.
//
// A time measured under the race detector, which slows the server's
// api/state tenfold, says nothing: make test runs this test without it.
func TestLoadTime1000Series(t *testing.T) {
	if raceDetector {
		t.Skip("measures time: run without -race (make test does)")
	}
	const interval = 40 * time.Millisecond
	svc := startService(t, interval, (loadSnapshots+5)*interval, "") // room for a late tick or two
	base := len(svc.waitSnapshots(t, 1, 10*time.Second).Series)
	stop := fill(t, svc.reg, loadSeries-base)
	began := time.Now()
	st := svc.waitSnapshots(t, loadSnapshots, 30*time.Second)
	stop()
	t.Logf("%d series, %d snapshots in %v", len(st.Series), len(st.Times), time.Since(began).Round(time.Millisecond))
	if len(st.Series) != loadSeries {
		t.Fatalf("api/state holds %d series, want %d", len(st.Series), loadSeries)
	}

	p := newPage(t, nil)
	var warm []float64
	for i := range 8 {
		p.do(chromedp.Navigate("about:blank")) // the previous page's unload is not the next one's load
		p.do(chromedp.Navigate(svc.url))
		p.waitFor("performance.getEntriesByName('"+firstCharts+"').length", 20*time.Second, "the first charts were not drawn")
		m := eval[loadTimes](p, `(() => {
			const r = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/api/state'));
			return {
				drawn: performance.getEntriesByName('`+firstCharts+`')[0].startTime,
				asked: r.requestStart, first: r.responseStart, last: r.responseEnd, bytes: r.encodedBodySize,
				charts: document.querySelectorAll('.chart .uplot').length,
				series: vitals.state.order.length, snapshots: vitals.state.times.length,
			};
		})()`)
		which := "fresh browser"
		if i > 0 {
			which = fmt.Sprintf("load %d", i)
			warm = append(warm, m.Drawn)
		}
		t.Logf("%s: %d charts of %d series x %d snapshots drawn at %.0f ms (api/state %.1f MB: asked at %.0f ms, first byte %.0f, last %.0f)",
			which, m.Charts, m.Series, m.Snapshots, m.Drawn, m.Bytes/1e6, m.Asked, m.First, m.Last)
		if m.Series != loadSeries || m.Charts == 0 {
			t.Errorf("%s: %d charts of %d series, want charts of %d", which, m.Charts, m.Series, loadSeries)
		}
	}
	slices.Sort(warm)
	t.Logf("load time in a warm browser: best %.0f ms, median %.0f ms of %d", warm[0], warm[len(warm)/2], len(warm))
	// The best of seven: the machine running the tests runs others too.
	if warm[0] >= 300 {
		t.Errorf("the page loads in %.0f ms at best, want under 300 ms", warm[0])
	}
}

// loadTimes are the times of one load of the page, in ms from navigation
// start, and what it drew.
type loadTimes struct {
	Drawn     float64 `json:"drawn"` // the first charts in view
	Asked     float64 `json:"asked"` // api/state's request, its first and last byte
	First     float64 `json:"first"`
	Last      float64 `json:"last"`
	Bytes     float64 `json:"bytes"`
	Charts    int     `json:"charts"`
	Series    int     `json:"series"`
	Snapshots int     `json:"snapshots"`
}

// fill registers n series in reg, a mix of every kind, and updates them
// all every few milliseconds until stop is called or the test ends.
func fill(t *testing.T, reg *metrics.Registry, n int) (stop func()) {
	t.Helper()
	var update []func(i int)
	for i := range n {
		name := fmt.Sprintf("svc.op%03d", i/10)
		tags := metrics.Tags{"shard": fmt.Sprint(i % 4)}
		switch i % 10 {
		case 0, 1, 2, 3:
			c := reg.Counter(name+".calls"+fmt.Sprint(i%10), tags)
			update = append(update, func(i int) { c.Inc(int64(1 + i%7)) })
		case 4, 5:
			g := reg.Gauge(name+".size"+fmt.Sprint(i%10), tags)
			update = append(update, func(i int) { g.Update(int64(i % 1000)) })
		case 6:
			m := reg.Meter(name+".bytes", tags)
			update = append(update, func(i int) { m.Mark(int64(i % 100)) })
		case 7:
			g := reg.GaugeFloat64(name+".ratio", tags)
			update = append(update, func(i int) { g.Update(float64(i%100) / 100) })
		case 8:
			tm := reg.Timer(name+".latency", tags)
			update = append(update, func(i int) { tm.Update(time.Duration(1+i%5000) * time.Microsecond) })
		case 9:
			h := reg.Histogram(name+".batch", tags)
			update = append(update, func(i int) { h.Update(int64(1 + i%64)) })
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	stop = sync.OnceFunc(func() {
		close(done)
		wg.Wait()
	})
	t.Cleanup(stop)
	wg.Go(func() {
		tick := time.NewTicker(3 * time.Millisecond)
		defer tick.Stop()
		for k := 0; ; k++ {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			for i, u := range update {
				u(i + k)
			}
		}
	})
	return stop
}

// raceDetector is whether the tests run under the race detector.
var raceDetector bool
