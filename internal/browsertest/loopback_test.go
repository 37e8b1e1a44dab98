package browsertest

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestNoRequestLeavesLoopback uses every part of the page (every chart and
// heatmap, the filter, live updates) and checks that each request it made
// went to loopback, and that nothing in it points elsewhere. (Every test
// checks its requests at cleanup; this one makes them all.)
func TestNoRequestLeavesLoopback(t *testing.T) {
	svc := startService(t, 100*time.Millisecond, 0, "")
	simulate(t, svc.reg)
	svc.waitSnapshots(t, 10, 20*time.Second)
	p := newPage(t, nil)
	p.open(svc.url)

	n := eval[int](p, "document.querySelectorAll('section.chart').length")
	for i := range n {
		eval[any](p, "document.querySelectorAll('section.chart')["+strconv.Itoa(i)+"].scrollIntoView(), null")
		p.waitDrawn()
	}
	p.setFilter("stage")
	p.waitFor("document.querySelectorAll('canvas.heat').length > 0", 5*time.Second, "no heatmap")
	seq := p.view().Seq
	p.waitFor("vitals.state.seq > "+strconv.FormatUint(seq+3, 10), 5*time.Second, "no live update arrived")

	kinds := map[string]int{}
	for _, u := range p.requested() {
		if !isLocal(u) {
			t.Errorf("the page requested %s, outside loopback", u)
		}
		for _, part := range []string{"/static/", "/api/state", "/api/events", "/api/heatmap"} {
			if strings.Contains(u, part) {
				kinds[part]++
			}
		}
	}
	for _, part := range []string{"/static/", "/api/state", "/api/events", "/api/heatmap"} {
		if kinds[part] == 0 {
			t.Errorf("the page never requested %s: the test did not use all of it", part)
		}
	}
	t.Logf("%d requests, all to loopback: %v", len(p.requested()), kinds)

	refs := eval[[]string](p, `[...document.querySelectorAll('[src], [href]')].map((e) => e.src || e.href)`)
	for _, r := range refs {
		if !isLocal(r) {
			t.Errorf("the page refers to %s, outside loopback", r)
		}
	}
}
