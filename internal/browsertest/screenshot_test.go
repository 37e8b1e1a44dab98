package browsertest

import (
	"bufio"
	"flag"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/vitals-go/vitals/internal/testenv"
)

// screenshot is where TestScreenshot writes the README's picture of the
// page: go test -run TestScreenshot -screenshot ../../docs/live-page.png
var screenshot = flag.String("screenshot", "", "write a screenshot of the live page of examples/service to this PNG file")

// livePage finds the live page's address in vitals.Start's log line.
var livePage = regexp.MustCompile(`live_page=(http://127\.0\.0\.1:[0-9]+/debug/vitals/)`)

// TestScreenshot runs examples/service with 100 ms intervals for 25 s, then takes a 1280x800 screenshot of its live page, filtered to
// the service's own series. It runs only with -screenshot.
func TestScreenshot(t *testing.T) {
	if *screenshot == "" {
		t.Skip("writes a file: run with -screenshot FILE.png")
	}
	bin := testenv.GoBuild(t, "github.com/vitals-go/vitals/examples/service")
	cmd := exec.Command(bin, "-latency", "5ms", "-workers", "2", "-run-for", "50s")
	cmd.Env = append(os.Environ(), "VITALS_PPROF_ADDR=127.0.0.1:0", "VITALS_HEALTH_ADDR=off", "VITALS_FLUSH_INTERVAL=100ms")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			if m := livePage.FindStringSubmatch(lines.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
	}()
	var svc *service
	select {
	case url := <-addr:
		svc = &service{url: url}
	case <-time.After(20 * time.Second):
		t.Fatal("examples/service did not log the live page's address")
	}
	svc.waitSnapshots(t, 250, 40*time.Second)

	p := newPage(t, nil)
	p.open(svc.url + "#filter=queue=in")
	p.waitFor("document.querySelectorAll('canvas.heat').length > 0 && [...document.querySelectorAll('.chart')].every((s) => s.hidden || !s.classList.contains('dist') || !vitals.chart(s.dataset.id) || vitals.state.series.get(s.dataset.id).heatData)",
		10*time.Second, "the heatmaps were not drawn")
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(*screenshot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", *screenshot, len(png))
}
