package e2e_test

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/opentsdb"
	"github.com/vitals-go/vitals/metrics"
)

// hangingListener accepts connections and never reads or answers them: a
// backend that is up but stuck.
func hangingListener(b *testing.B) string {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	b.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// BenchmarkHotPathWhileBackendHangs measures Timer.Update and Counter.Inc
// with no exporter, and while a Reporter keeps retrying an OpenTSDB backend
// that accepts connections and never answers, over HTTP and telnet, with
// the default backoff. The hot path must cost the same in all three: it
// never waits for the exporters.
func BenchmarkHotPathWhileBackendHangs(b *testing.B) {
	for _, backend := range []string{"none", "http", "telnet"} {
		b.Run(backend, func(b *testing.B) {
			reg := metrics.NewRegistry()
			if err := reg.SetDefaultTags(metrics.Tags{"host": "bench"}); err != nil {
				b.Fatal(err)
			}
			quiet := slog.New(slog.DiscardHandler)
			for i := range 1000 { // something to snapshot and send
				reg.Counter("filler", metrics.Tags{"i": string(rune('a' + i%26)), "n": string(rune('A' + i/26))})
			}
			if backend != "none" {
				scheme := map[string]string{"http": "http://", "telnet": "tcp://"}[backend]
				exp, err := opentsdb.New(opentsdb.Config{URL: scheme + hangingListener(b), Timeout: 200 * time.Millisecond, Logger: quiet})
				if err != nil {
					b.Fatal(err)
				}
				rep, err := exporters.Start(reg, exporters.Config{
					Exporters: map[string]exporters.Exporter{"hung": exp},
					Interval:  time.Second,
					Logger:    quiet,
				})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Second)
					defer cancel()
					rep.Shutdown(ctx) //nolint:errcheck // the backend hangs: the error is expected
				})
			}
			timer := reg.Timer("latency", nil)
			counter := reg.Counter("jobs", nil)
			b.ReportAllocs()
			b.ResetTimer()
			i := time.Duration(0)
			for b.Loop() {
				i++
				timer.Update(i * time.Microsecond)
				counter.Inc(1)
			}
		})
	}
}
