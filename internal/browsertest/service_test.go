package browsertest

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/vitals-go/vitals"
	"github.com/vitals-go/vitals/metrics"
)

// service is a process's vitals, as vitals.Start sets them up, with the
// live page on the pprof server.
type service struct {
	inst     *vitals.Instance
	reg      *metrics.Registry // register the series to show here
	url      string            // the page: http://127.0.0.1:port/debug/vitals/
	token    string            // the pprof token, "" for none
	addr     string            // the pprof server's address
	shutdown func() error      // stops it; only the first call does
}

// startService starts vitals with its own registry, snapshots every
// interval, a live window (0 for the default), the console exporter
// writing to io.Discard, no health socket, and the pprof server on a free
// loopback port, behind token if it is not "". It shuts down when the
// test ends.
func startService(t *testing.T, interval, window time.Duration, token string) *service {
	t.Helper()
	return startServiceAt(t, "127.0.0.1:0", interval, window, token)
}

// startServiceAt is startService with the pprof server on addr.
func startServiceAt(t *testing.T, addr string, interval, window time.Duration, token string) *service {
	t.Helper()
	reg := metrics.NewRegistry()
	inst, err := vitals.Start(context.Background(), vitals.Config{
		Service:       "browsertest",
		Release:       "v1",
		HealthAddr:    vitals.Off,
		PprofAddr:     addr,
		PprofToken:    token,
		FlushInterval: interval,
		LiveWindow:    window,
		Console:       io.Discard,
		Registry:      reg,
		Logger:        slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	shutdown := sync.OnceValue(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return inst.Shutdown(ctx)
	})
	t.Cleanup(func() {
		if err := shutdown(); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return &service{inst: inst, reg: reg, url: "http://" + inst.PprofAddr() + "/debug/vitals/", token: token,
		addr: inst.PprofAddr(), shutdown: shutdown}
}
