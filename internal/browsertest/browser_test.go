package browsertest

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// testTimeout bounds each test's browser session.
const testTimeout = 50 * time.Second

// watchProblems runs in the page before its own scripts: it collects
// uncaught errors and Content-Security-Policy violations (an inline style
// or script, a request the policy refused), which fail the test.
const watchProblems = `window.__problems = [];
window.addEventListener('error', (e) => window.__problems.push('error: ' + e.message));
window.addEventListener('unhandledrejection', (e) => window.__problems.push('unhandled rejection: ' + e.reason));
document.addEventListener('securitypolicyviolation', (e) =>
  window.__problems.push('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));`

// page is one headless Chromium tab. It records the URL of every request
// the tab makes, and fails the test at cleanup if one left loopback, or if
// the page threw an error or broke its Content-Security-Policy.
type page struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	requests []string
}

// newPage starts a headless Chromium with a fresh profile and opens a tab
// of 1280x800 that sends headers with every request. Without Chromium the
// test skips, or fails under CI=true.
//
// The browser's proxy is a trap on loopback, which Chromium never proxies:
// the browser's own background requests (its component updater, the
// account service) end there instead of leaving the machine, and are
// logged. What the page requests is checked from the tab's network events.
func newPage(t *testing.T, headers network.Headers) *page {
	t.Helper()
	path := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,AutofillServerCommunication,"+
			"NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,CertificateTransparencyComponentUpdater"),
		chromedp.ProxyServer("http://"+startTrap(t)),
		chromedp.WindowSize(1280, 800),
	)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancel()
	})
	return openTab(t, browserCtx, headers)
}

// newTab opens another tab in p's browser.
func (p *page) newTab(headers network.Headers) *page {
	p.t.Helper()
	ctx, cancel := chromedp.NewContext(p.ctx)
	p.t.Cleanup(cancel)
	return openTab(p.t, ctx, headers)
}

// openTab opens the tab of the chromedp context ctx with a viewport of
// 1280x800, records its requests and sets the headers it sends.
func openTab(t *testing.T, ctx context.Context, headers network.Headers) *page {
	t.Helper()
	p := &page{t: t, ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		if req, ok := ev.(*network.EventRequestWillBeSent); ok {
			p.mu.Lock()
			p.requests = append(p.requests, req.Request.URL)
			p.mu.Unlock()
		}
	})
	if err == nil {
		_, err = chromedp.Call(ctx, network.Enable, network.EnableParams{})
	}
	if err == nil && headers != nil {
		_, err = chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: headers})
	}
	if err == nil {
		_, err = chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument,
			cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: watchProblems})
	}
	if err == nil {
		err = chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800))
	}
	if err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	t.Cleanup(p.check)
	return p
}

// chromium returns the browser's path, skipping the test (failing it
// under CI=true) when it is not installed.
func chromium(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err == nil {
		return chromiumPath
	}
	if path, err := exec.LookPath("chromium"); err == nil {
		return path
	}
	msg := "chromium is not installed: apt-get install chromium (make test installs it)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// do runs steps in the tab, failing the test on error.
func (p *page) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatal(err)
	}
}

// eval returns the value of the JavaScript expression js in p.
func eval[T any](p *page, js string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		p.t.Fatalf("%s: %v", js, err)
	}
	return v
}

// waitFor polls the JavaScript expression cond until it is true, failing
// the test with what after timeout.
func (p *page) waitFor(cond string, timeout time.Duration, what string) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for !eval[bool](p, "!!("+cond+")") {
		if time.Now().After(deadline) {
			p.t.Fatalf("after %v: %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// requested returns the URLs the tab has requested so far.
func (p *page) requested() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requests...)
}

// check fails the test if the tab requested anything but loopback (data:
// URLs stay in the page), or if the page reported a problem.
func (p *page) check() {
	for _, raw := range p.requested() {
		if !isLocal(raw) {
			p.t.Errorf("the page requested %s, outside loopback", raw)
		}
	}
	problems, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]string]("window.__problems || []"))
	if err != nil {
		return // the tab is gone: the test failed already
	}
	for _, s := range problems {
		p.t.Errorf("the page reported %s", s)
	}
}

// isLocal reports whether a request to raw stays on this machine.
func isLocal(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "data", "about", "blob":
		return true
	case "http", "https", "ws", "wss":
		h := u.Hostname()
		return h == "localhost" || h == "::1" || strings.HasPrefix(h, "127.")
	}
	return false
}

// startTrap listens on loopback as the browser's HTTP proxy: it answers
// every request with 403 and logs it. Only a request to another host
// reaches it.
func startTrap(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
				line, _ := bufio.NewReader(conn).ReadString('\n')
				if method, target, ok := strings.Cut(strings.TrimSpace(line), " "); ok {
					target, _, _ = strings.Cut(target, "?")
					t.Logf("blocked the browser's own request to another host: %s %s", method, target)
				}
				_, _ = io.WriteString(conn, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			})
		}
	})
	return ln.Addr().String()
}
