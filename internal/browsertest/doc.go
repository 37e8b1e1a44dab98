// Package browsertest tests the live page (package livepage, served by
// vitals.Start on the pprof server at /debug/vitals/) in a real browser:
// headless Chromium, driven with chromedp, against a process's vitals
// started with vitals.Start. It is a module of its own, so that chromedp
// is not a dependency of the SDK; it has no code besides its tests.
//
// Chromium is Debian's chromium package (/usr/bin/chromium), which make
// test installs; without it the tests skip, or fail under CI=true. Run
//
//	go test -race ./...                  # everything but the load time
//	go test -run TestLoadTime1000Series  # the load time, without -race
//	go test -run TestScreenshot -args -screenshot ../../docs/live-page.png
package browsertest
