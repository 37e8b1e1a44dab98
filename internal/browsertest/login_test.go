package browsertest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestLogin opens the page of a service with a pprof token in a browser
// that has no way to send the token as a header: it gets the login form,
// which refuses a wrong token and, given the right one, leads to the live
// page with its charts drawn and its updates live. The session cookie is
// HttpOnly and SameSite=Strict, is not the token, and serves the other
// tabs of the browser too.
func TestLogin(t *testing.T) {
	const token = "Login+Token/=%&'#~42" // characters a form must encode
	svc := startService(t, 100*time.Millisecond, 0, token)
	simulate(t, svc.reg)
	svc.waitSnapshots(t, 5, 20*time.Second)

	p := newPage(t, nil)
	resp, err := chromedp.Run(p.ctx, chromedp.NavigateResponse(svc.url))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusUnauthorized || !strings.HasPrefix(resp.MimeType, "text/html") {
		t.Fatalf("the page without the token: %d %s, want 401 and the login form", resp.Status, resp.MimeType)
	}
	if eval[bool](p, "!!window.vitals") {
		t.Error("the page's script ran without the token")
	}
	if next := eval[string](p, "document.querySelector('form[action=\"/debug/login\"] input[name=next]').value"); next != "/debug/vitals/" {
		t.Errorf("the form leads to %q, want /debug/vitals/", next)
	}

	// A wrong token: the form again, with a notice.
	// chromedp's queries wait through the navigation that a submit starts.
	p.do(chromedp.SendKeys(chromedp.ID("token"), "not-the-token"), chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if eval[bool](p, "!!window.vitals") || eval[string](p, "location.pathname") != "/debug/login" {
		t.Errorf("after a wrong token the browser is at %s", eval[string](p, "location.href"))
	}
	if body := eval[string](p, "document.documentElement.outerHTML"); strings.Contains(body, "not-the-token") {
		t.Error("the form repeats the wrong token")
	}

	// The right one: the live page, drawn and live.
	p.do(chromedp.SendKeys(chromedp.ID("token"), token), chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.CSS("section.chart")))
	if path := eval[string](p, "location.pathname"); path != "/debug/vitals/" {
		t.Fatalf("the login led to %s, want /debug/vitals/", path)
	}
	p.waitFor("performance.getEntriesByName('"+firstCharts+"').length", 20*time.Second, "the first charts were not drawn")
	p.waitFor("document.querySelectorAll('section.chart').length === vitals.state.order.length",
		10*time.Second, "not every series has its section")
	p.waitFor("document.getElementById('live').dataset.state === 'live'", 10*time.Second, "the live updates did not connect")
	p.waitDrawn()
	v := p.view()
	drawn := 0
	for _, s := range v.Sections {
		if s.InView && s.Chart != nil && s.Chart.Points > 0 {
			drawn++
		}
	}
	if len(v.Sections) < 10 || drawn == 0 {
		t.Errorf("after login the page shows %d series, %d charts with points; want at least 10 and some", len(v.Sections), drawn)
	}

	cookies, err := chromedp.Call(p.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{svc.url}})
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := strings.Cut(svc.addr, ":")
	if len(cookies.Cookies) != 1 {
		t.Fatalf("the browser holds %d cookies, want the session's", len(cookies.Cookies))
	}
	c := cookies.Cookies[0]
	if c.Name != "vitals_pprof_session_"+port || c.Path != "/" || !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict || c.Secure {
		t.Errorf("the session cookie: %s path %s, HttpOnly %v, SameSite %s, Secure %v", c.Name, c.Path, c.HTTPOnly, c.SameSite, c.Secure)
	}
	if c.Value == "" || strings.Contains(c.Value, token) || strings.Contains(token, c.Value) {
		t.Errorf("the session cookie's value %q is empty or the token", c.Value)
	}
	if got := eval[string](p, "document.cookie"); got != "" {
		t.Errorf("a script reads the cookie: %q", got)
	}

	// Another tab of the same browser is logged in too.
	p.newTab(nil).open(svc.url)

	// A restart ends the session: the open page's next request gets 401,
	// and the page reloads itself into the login form.
	if err := svc.shutdown(); err != nil {
		t.Fatal(err)
	}
	restarted := startServiceAt(t, svc.addr, 100*time.Millisecond, 0, token)
	restarted.waitSnapshots(t, 2, 20*time.Second)
	p.waitFor("!!document.querySelector('form[action=\"/debug/login\"]') && !window.vitals", 30*time.Second,
		"after a restart the open page did not turn into the login form")
}
