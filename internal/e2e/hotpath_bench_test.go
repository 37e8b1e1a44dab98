package e2e_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/opentsdb"
	"github.com/vitals-go/vitals/exporters/postgres"
	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/metrics"
)

// BenchmarkHotPathDuringFault measures Timer.Update and Counter.Inc with no
// exporter, and while a Reporter keeps retrying a backend in each of the
// faults of TestOutage: VictoriaMetrics hanging (a listener that accepts
// connections and never answers) or killed, over OpenTSDB's HTTP API and
// telnet, and PostgreSQL stopped. The retries are as eager as a
// configuration allows (backoff 10-100 ms), so that the exporters work as
// hard as they can next to the hot path. The hot path must cost the same
// in all of them: it never waits for the exporters.
func BenchmarkHotPathDuringFault(b *testing.B) {
	quiet := slog.New(slog.DiscardHandler)
	tsdb := func(b *testing.B, url string) exporters.Exporter {
		exp, err := opentsdb.New(opentsdb.Config{URL: url, Timeout: 200 * time.Millisecond, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		return exp
	}
	killedVM := func(b *testing.B) *testenv.VMServer {
		vm := testenv.VictoriaMetrics(b)
		if err := vm.Kill(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			if err := vm.Start(); err != nil {
				b.Errorf("restarting VictoriaMetrics: %v", err)
			}
		})
		return vm
	}
	for _, fault := range []struct {
		name     string
		exporter func(b *testing.B) exporters.Exporter // nil: no exporter
	}{
		{"none", nil},
		{"victoriametrics-hangs/http", func(b *testing.B) exporters.Exporter {
			return tsdb(b, "http://"+newStallProxy(b, "").addr())
		}},
		{"victoriametrics-hangs/telnet", func(b *testing.B) exporters.Exporter {
			return tsdb(b, "tcp://"+newStallProxy(b, "").addr())
		}},
		{"victoriametrics-killed/http", func(b *testing.B) exporters.Exporter {
			return tsdb(b, killedVM(b).OpenTSDBHTTPURL)
		}},
		{"victoriametrics-killed/telnet", func(b *testing.B) exporters.Exporter {
			return tsdb(b, "tcp://"+killedVM(b).OpenTSDBTelnetAddr)
		}},
		{"postgres-stopped", func(b *testing.B) exporters.Exporter { return stoppedPostgres(b, quiet) }},
	} {
		b.Run(fault.name, func(b *testing.B) {
			reg := metrics.NewRegistry()
			if err := reg.SetDefaultTags(metrics.Tags{"host": "bench"}); err != nil {
				b.Fatal(err)
			}
			for i := range 1000 { // something to snapshot and send
				reg.Counter("filler", metrics.Tags{"i": string(rune('a' + i%26)), "n": string(rune('A' + i/26))})
			}
			if fault.exporter != nil {
				rep, err := exporters.Start(reg, exporters.Config{
					Exporters:  map[string]exporters.Exporter{"down": fault.exporter(b)},
					Interval:   time.Second,
					MinBackoff: 10 * time.Millisecond,
					MaxBackoff: 100 * time.Millisecond,
					Logger:     quiet,
				})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Second)
					defer cancel()
					rep.Shutdown(ctx) //nolint:errcheck // the backend is down: the error is expected
				})
			}
			measureHotPath(b, reg)
		})
	}
}

// measureHotPath runs the benchmark's loop: a Timer.Update and a
// Counter.Inc of reg.
func measureHotPath(b *testing.B, reg *metrics.Registry) {
	timer := reg.Timer("latency", nil)
	counter := reg.Counter("jobs", nil)
	b.ReportAllocs()
	i := time.Duration(0)
	for b.Loop() {
		i++
		timer.Update(i * time.Microsecond)
		counter.Inc(1)
	}
}

// stoppedPostgres returns a PostgreSQL exporter whose server it then
// stops, until the end of the benchmark.
func stoppedPostgres(b *testing.B, log *slog.Logger) exporters.Exporter {
	pg := testenv.Postgres(b)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	schema := strings.ToLower(strings.NewReplacer("/", "_", "-", "_").Replace("bench_" + b.Name()))
	exp, err := postgres.New(ctx, postgres.Config{URL: pg.URL, Schema: schema, Timeout: 200 * time.Millisecond, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	if err := pg.Stop(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := pg.Start(); err != nil {
			b.Errorf("restarting PostgreSQL: %v", err)
		}
	})
	return exp
}
