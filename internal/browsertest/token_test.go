package browsertest

import (
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestTokenRequired sets a pprof token: without it the page, its files and
// its API answer 401; a browser that sends it gets the page, live.
func TestTokenRequired(t *testing.T) {
	const token = "live-page-token"
	svc := startService(t, 100*time.Millisecond, 0, token)
	simulate(t, svc.reg)
	svc.waitSnapshots(t, 5, 20*time.Second)

	anonymous := &service{url: svc.url}
	for _, path := range []string{"", "static/app.js", "static/vendor/uplot/uPlot.iife.min.js", "api/state", "api/events", "api/heatmap?id=batch.size%7Bqueue%3Din%7D"} {
		if status, body := anonymous.get(t, path); status != http.StatusUnauthorized {
			t.Errorf("GET %s without the token: %d %s, want 401", path, status, body)
		}
	}

	p := newPage(t, nil)
	resp, err := chromedp.Run(p.ctx, chromedp.NavigateResponse(svc.url))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusUnauthorized {
		t.Errorf("the page without the token: %d, want 401", resp.Status)
	}
	if eval[bool](p, "!!window.vitals") {
		t.Error("the page's script ran without the token")
	}

	authorized := p.newTab(network.Headers{"Authorization": "Bearer " + token})
	authorized.open(svc.url) // the charts are drawn and the live updates connected
	if n := len(authorized.view().Sections); n < 10 {
		t.Errorf("with the token, the page shows %d series, want at least 10", n)
	}
}
