package browsertest

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/vitals-go/vitals/healthcheck"
)

// firstCharts is the performance mark app.js sets when the first charts
// in view are drawn.
const firstCharts = "vitals-first-charts"

// The values in a section's head: a timer's, then a counter's.
var (
	unitRE = regexp.MustCompile(`^p50 [0-9.]+(ns|µs|ms|s)p99 [0-9.]+(ns|µs|ms|s)rate [0-9.]+[kMGT]?/s$`)
	rateRE = regexp.MustCompile(`^[0-9.]+[kMGT]?/s$`)
)

// open loads the page at url and waits until its first charts are drawn,
// every series has its section and the live updates are connected.
func (p *page) open(url string) {
	p.t.Helper()
	p.do(chromedp.Navigate(url))
	p.waitFor("performance.getEntriesByName('"+firstCharts+"').length", 20*time.Second, "the first charts were not drawn")
	p.waitFor("window.vitals && document.querySelectorAll('section.chart').length === vitals.state.order.length",
		10*time.Second, "not every series has its section")
	p.waitFor("document.getElementById('live').dataset.state === 'live'", 10*time.Second, "the live updates did not connect")
}

// waitDrawn waits until every section in view has its chart.
func (p *page) waitDrawn() {
	p.t.Helper()
	p.waitFor(`[...document.querySelectorAll('section.chart')].every((s) => {
		const r = s.getBoundingClientRect();
		return s.hidden || r.bottom <= 0 || r.top >= innerHeight || vitals.chart(s.dataset.id);
	})`, 5*time.Second, "the charts in view were not drawn")
}

// setFilter replaces the text of the filter box with text, as typed, and
// waits until the charts in view are drawn.
func (p *page) setFilter(text string) {
	p.t.Helper()
	eval[any](p, "document.getElementById('filter').value = '', null")
	if text != "" {
		p.do(chromedp.SendKeys(chromedp.ID("filter"), text))
	} else {
		eval[any](p, "document.getElementById('filter').dispatchEvent(new Event('input')), null")
	}
	p.waitDrawn()
}

// pageView is what the page shows, as the tests read it.
type pageView struct {
	Seq      uint64        `json:"seq"`
	Times    int           `json:"times"`
	Sections []sectionView `json:"sections"`
}

// sectionView is one series' section of the page.
type sectionView struct {
	ID     string     `json:"id"`
	Points int        `json:"points"` // its data-points
	Shown  bool       `json:"shown"`  // not display:none
	InView bool       `json:"inView"` // shown, and in the viewport
	Chart  *chartView `json:"chart"`  // its uPlot chart; nil before it is drawn
	Values string     `json:"values"` // the values in its head
}

// chartView is the data of a section's uPlot chart.
type chartView struct {
	Len    int `json:"len"`    // the length of its time axis
	Points int `json:"points"` // the values of its first line that are not null
}

// readPage is the JavaScript that returns a pageView.
const readPage = `(() => {
  const out = {seq: vitals.state.seq, times: vitals.state.times.length, sections: []};
  for (const s of document.querySelectorAll('section.chart')) {
    const r = s.getBoundingClientRect();
    const shown = getComputedStyle(s).display !== 'none';
    const c = vitals.chart(s.dataset.id);
    out.sections.push({
      id: s.dataset.id, points: Number(s.dataset.points), shown: shown,
      inView: shown && r.bottom > 0 && r.top < window.innerHeight,
      chart: c ? {len: c.data[0].length, points: c.data[1].filter((v) => v != null).length} : null,
      values: s.querySelector('.vals').textContent,
    });
  }
  return out;
})()`

// view reads what the page shows.
func (p *page) view() *pageView {
	p.t.Helper()
	return eval[*pageView](p, readPage)
}

// section returns the section of the series id, failing the test if the
// page has none.
func (v *pageView) section(t *testing.T, id string) sectionView {
	t.Helper()
	for _, s := range v.Sections {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("the page has no section for %s", id)
	return sectionView{}
}

// consistent waits until the page and api/state show the same snapshot,
// and returns both.
func consistent(t *testing.T, svc *service, p *page) (*apiState, *pageView) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := svc.state(t)
		v := p.view()
		if v.Seq == st.Seq {
			return st, v
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page is at snapshot %d, api/state at %d", v.Seq, st.Seq)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestChartsShowEveryPoint checks, at the top, middle and bottom of the
// page, that every series of api/state has a section whose data-points is
// its number of values, and that every chart in view plots all of them
// on the same time axis.
func TestChartsShowEveryPoint(t *testing.T) {
	svc := startService(t, 100*time.Millisecond, 0, "")
	simulate(t, svc.reg)
	svc.waitSnapshots(t, 30, 20*time.Second)
	p := newPage(t, nil)
	p.open(svc.url)

	checked := map[string]bool{}
	for _, at := range []string{"0", "document.body.scrollHeight / 2", "document.body.scrollHeight"} {
		eval[any](p, "window.scrollTo(0, "+at+"), null")
		p.waitDrawn()
		st, v := consistent(t, svc, p)
		if v.Times != len(st.Times) {
			t.Errorf("the page holds %d snapshots, api/state %d", v.Times, len(st.Times))
		}
		var want, got []string
		for _, s := range st.Series {
			want = append(want, s.ID)
		}
		for _, s := range v.Sections {
			got = append(got, s.ID)
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("sections %q, want the series of api/state %q", got, want)
		}
		for _, s := range st.Series {
			n := points(s.mainLine())
			sec := v.section(t, s.ID)
			if sec.Points != n {
				t.Errorf("%s: data-points %d, want %d", s.ID, sec.Points, n)
			}
			if !sec.InView {
				continue
			}
			if sec.Chart == nil {
				t.Errorf("%s: in view without a chart", s.ID)
				continue
			}
			if sec.Chart.Len != len(st.Times) || sec.Chart.Points != n {
				t.Errorf("%s: the chart plots %d of %d times, want %d of %d", s.ID, sec.Chart.Points, sec.Chart.Len, n, len(st.Times))
			}
			checked[s.ID] = true
		}
	}
	if len(checked) < 10 {
		t.Errorf("checked the charts of %d series, want at least 10", len(checked))
	}
	t.Logf("checked the data-points of every section and the charts of %d series", len(checked))
}

// TestPageShowsUnitsHealthAndExporters checks the values' units, the
// heatmap of a timer, the health report and the exporters' table.
func TestPageShowsUnitsHealthAndExporters(t *testing.T) {
	svc := startService(t, 100*time.Millisecond, 0, "")
	simulate(t, svc.reg)
	backlog := svc.reg.Gauge("backlog", nil)
	backlog.Update(50)
	svc.inst.Health.Register("backlog", healthcheck.GaugeThreshold(backlog, 10, 1000)) // WARN
	svc.waitSnapshots(t, 20, 20*time.Second)
	p := newPage(t, nil)
	p.open(svc.url + "#filter=stage.latency%20stage=process")

	timer := "stage.latency{stage=process}"
	p.waitFor(`(() => {
		const s = document.querySelector('section[data-id="`+timer+`"] canvas.heat');
		if (!s || !s.width) return false;
		const px = s.getContext('2d').getImageData(0, 0, s.width, s.height).data;
		for (let i = 3; i < px.length; i += 4) if (px[i] > 0) return true;
		return false;
	})()`, 10*time.Second, "the timer's heatmap was not drawn")
	v := p.view()
	sec := v.section(t, timer)
	if !sec.InView {
		t.Fatalf("%s is not in view with the filter on it", timer)
	}
	if !unitRE.MatchString(sec.Values) {
		t.Errorf("%s shows %q, want p50 and p99 in ns, µs, ms or s and a rate per second", timer, sec.Values)
	}

	p.setFilter("http.requests")
	v = p.view()
	for _, s := range v.Sections {
		if s.InView && !rateRE.MatchString(s.Values) {
			t.Errorf("%s shows %q, want a rate per second", s.ID, s.Values)
		}
	}

	st := svc.state(t)
	status := eval[string](p, "document.getElementById('health').dataset.status")
	text := eval[string](p, "document.getElementById('health').textContent")
	if status != st.Health.Status || status == "" {
		t.Errorf("health status %q, want %q", status, st.Health.Status)
	}
	if first, _, _ := strings.Cut(st.Health.Text, "\n"); first == "" || !strings.Contains(text, first) {
		t.Errorf("health text %q, want the report %q", text, st.Health.Text)
	}
	if status != "WARN" {
		t.Errorf("health status %q, want WARN (a backlog over its threshold)", status)
	}
	color := eval[string](p, "getComputedStyle(document.getElementById('health')).borderLeftColor")
	warn := eval[string](p, `(() => {
		const e = document.createElement('span');
		e.style.color = 'var(--warn)';
		document.body.appendChild(e);
		const c = getComputedStyle(e).color;
		e.remove();
		return c;
	})()`)
	if color != warn {
		t.Errorf("the WARN health report's colour is %s, want the warning colour %s", color, warn)
	}
	for _, e := range st.Exporters {
		if !eval[bool](p, `!!document.querySelector('#exporters tr[data-exporter="`+e.Name+`"]')`) {
			t.Errorf("no row for exporter %s", e.Name)
		}
	}
	links := eval[[]string](p, "[...document.querySelectorAll('#pprof a')].map((a) => a.href)")
	for _, want := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/profile?seconds=30", "/debug/pprof/goroutine?debug=2"} {
		if !slices.ContainsFunc(links, func(l string) bool { return strings.HasSuffix(l, want) && isLocal(l) }) {
			t.Errorf("no link to %s on loopback in %q", want, links)
		}
	}
	t.Logf("health %s, %d exporters, pprof links %q", status, len(st.Exporters), links)
}
