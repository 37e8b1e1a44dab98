package browsertest

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/vitals-go/vitals/livepage"
)

// TestLiveValue sets a gauge to a distinctive value while the page is
// open, and checks that the page shows it, in the section's head and as
// the chart's newest point, within a few intervals.
func TestLiveValue(t *testing.T) {
	const interval = 250 * time.Millisecond
	svc := startService(t, interval, 0, "")
	gauge := svc.reg.Gauge("live.value", nil)
	gauge.Update(1)
	svc.waitSnapshots(t, 3, 20*time.Second)
	p := newPage(t, nil)
	p.open(svc.url + "#filter=live.value")

	start := time.Now()
	gauge.Update(424242)
	p.waitFor(`(() => {
		const s = document.querySelector('section[data-id="live.value"] .vals');
		const d = vitals.chart('live.value').data[1];
		return s.textContent === '424,242' && d[d.length - 1] === 424242;
	})()`, 4*interval, "the page did not show the new value within 4 intervals")
	took := time.Since(start)
	t.Logf("the new value was on the page %v after the update (interval %v)", took.Round(time.Millisecond), interval)
	if state := eval[string](p, "document.getElementById('live').dataset.state"); state != "live" {
		t.Errorf("live updates %q, want live (server-sent events)", state)
	}
}

// TestStreamsBounded opens more pages than the server streams to: the
// last is refused a stream, polls api/state instead, and still shows a
// new value.
func TestStreamsBounded(t *testing.T) {
	const interval = 250 * time.Millisecond
	svc := startService(t, interval, 0, "")
	gauge := svc.reg.Gauge("live.value", nil)
	gauge.Update(1)
	svc.waitSnapshots(t, 3, 20*time.Second)
	first := newPage(t, nil)
	first.open(svc.url + "#filter=live.value")
	for range livepage.MaxStreams - 1 {
		first.newTab(nil).open(svc.url + "#filter=live.value")
	}
	last := first.newTab(nil)
	last.do(chromedp.Navigate(svc.url + "#filter=live.value"))
	last.waitFor("document.getElementById('live').dataset.state === 'polling'", 10*time.Second,
		"the page beyond the streams' limit does not poll")

	gauge.Update(515151)
	last.waitFor(`(() => {
		const s = document.querySelector('section[data-id="live.value"] .vals');
		return s && s.textContent === '515,151';
	})()`, 10*interval, "the polling page did not show the new value within 10 intervals")
	seen := 0
	for _, u := range last.requested() {
		if strings.Contains(u, "api/state?since=") {
			seen++
		}
	}
	t.Logf("the polling page asked api/state?since= %d times", seen)
	if seen == 0 {
		t.Error("the polling page never asked api/state?since=")
	}
}

// TestRestart stops the process under an open page and starts another on
// the same port: the page loses its stream, polls, shows the new
// process's history in place of the old one's, and streams again.
func TestRestart(t *testing.T) {
	const interval = 250 * time.Millisecond
	old := startService(t, interval, 0, "")
	old.reg.Gauge("live.value", nil).Update(1)
	old.waitSnapshots(t, 8, 20*time.Second)
	p := newPage(t, nil)
	p.open(old.url + "#filter=live.value")
	before := p.view().Seq

	if err := old.shutdown(); err != nil {
		t.Fatal(err)
	}
	restarted := startServiceAt(t, old.addr, interval, 0, "")
	restarted.reg.Gauge("live.value", nil).Update(777777)
	restarted.waitSnapshots(t, 2, 20*time.Second)
	p.waitFor(`(() => {
		const s = document.querySelector('section[data-id="live.value"] .vals');
		return s && s.textContent === '777,777';
	})()`, 20*interval, "the page did not follow the restarted process")
	st, v := consistent(t, restarted, p)
	if v.Seq >= before || v.Times != len(st.Times) {
		t.Errorf("after the restart the page is at snapshot %d of %d times, want the new process's %d of %d (it was at %d)",
			v.Seq, v.Times, st.Seq, len(st.Times), before)
	}
	p.waitFor("document.getElementById('live').dataset.state === 'live'", 20*interval,
		"the page did not reconnect its live updates to the restarted process")
}

// TestRestartLongerHistory is TestRestart with a restarted process that has
// taken more snapshots than the old one when the page first asks it: the
// page's seq alone does not tell the old history from the new, its epoch
// does, and the page shows the new history alone.
func TestRestartLongerHistory(t *testing.T) {
	old := startService(t, 2*time.Second, 0, "") // the page polls as often after losing its stream
	old.reg.Gauge("live.value", nil).Update(1)
	old.waitSnapshots(t, 2, 20*time.Second)
	p := newPage(t, nil)
	p.open(old.url + "#filter=live.value")
	before := p.view().Seq

	if err := old.shutdown(); err != nil {
		t.Fatal(err)
	}
	restarted := startServiceAt(t, old.addr, 100*time.Millisecond, 0, "")
	restarted.reg.Gauge("live.value", nil).Update(777777)
	restarted.waitSnapshots(t, int(before)+8, 20*time.Second) // the old one's final flush may add one
	p.waitFor(`(() => {
		const s = document.querySelector('section[data-id="live.value"] .vals');
		return s && s.textContent === '777,777';
	})()`, 20*time.Second, "the page did not follow the restarted process")
	st, _ := consistent(t, restarted, p)
	if first := eval[int64](p, "vitals.state.times[0]"); first != st.Times[0] {
		t.Errorf("the page's history starts at %d, the restarted process's at %d: the page kept the old history", first, st.Times[0])
	}
}
