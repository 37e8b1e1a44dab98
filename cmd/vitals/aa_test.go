package main

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/exporters/postgres"
	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/metrics"
)

// TestCompareAA runs 20 A/A trials: each, a release of 20 intervals of 1 s
// whose every interval draws from one distribution, split in two windows
// of 10 intervals compared with each other. At most one trial may find a
// regression (the judge's measured rate is about 1.3%: see
// compare.TestCalibration). To stay well under a minute, the releases are
// synthetic: a registry's timer fed with lognormal latencies (median
// 10 ms, p99 about 50 ms) at about 200 a second (a Poisson count per
// interval), its intervals ended by an IntervalReader and written through
// the real PostgreSQL exporter, stamped a second apart; the seed is fixed,
// so the trials are the same at every run.
func TestCompareAA(t *testing.T) {
	t.Parallel()
	pg := testenv.Postgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	schema := fmt.Sprintf("aa_%d", time.Now().UnixNano())
	exp, err := postgres.New(ctx, postgres.Config{URL: pg.URL, Schema: schema, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Shutdown(context.Background())
	t.Cleanup(func() { dropSchema(t, pg.URL, schema) })

	rng := rand.New(rand.NewPCG(20, 26))
	start := time.Now().Add(-time.Hour).Truncate(time.Second)
	const trials, intervals = 20, 20
	alarms := 0
	for trial := range trials {
		service := fmt.Sprintf("aa%02d", trial)
		t0 := start.Add(time.Duration(trial) * intervals * time.Second)
		if err := writeSynthetic(ctx, exp, rng, service, t0, intervals); err != nil {
			t.Fatal(err)
		}
		mid, end := t0.Add(intervals/2*time.Second), t0.Add(intervals*time.Second)
		window := func(from, to time.Time) string {
			return from.UTC().Format(time.RFC3339) + "," + to.UTC().Format(time.RFC3339)
		}
		code, out, errOut := vitals(t, "compare", "-postgres", pg.URL, "-schema", schema, "-service", service,
			"-metric", "query.latency", "-before-window", window(t0, mid), "-after-window", window(mid, end))
		switch code {
		case exitOK:
		case exitRegressed:
			alarms++
			t.Logf("trial %d: a false alarm:\n%s%s", trial, out, errOut)
		default:
			t.Fatalf("trial %d: exit status %d:\n%s%s", trial, code, out, errOut)
		}
	}
	t.Logf("%d false alarms in %d A/A trials", alarms, trials)
	if alarms > 1 {
		t.Errorf("%d false alarms in %d A/A trials, want at most 1", alarms, trials)
	}
}

// writeSynthetic writes n intervals of 1 s of a timer of service, from t0,
// through exp: see TestCompareAA.
func writeSynthetic(ctx context.Context, exp *postgres.Exporter, rng *rand.Rand, service string, t0 time.Time, n int) error {
	reg := metrics.NewRegistry()
	if err := reg.SetDefaultTags(metrics.Tags{metrics.TagHost: "web01", metrics.TagService: service, metrics.TagVersion: "r1"}); err != nil {
		return err
	}
	timer := reg.Timer("query.latency", nil)
	ir, err := reg.NewIntervalReader()
	if err != nil {
		return err
	}
	defer ir.Close()
	for i := range n {
		count := int(math.Round(200 + math.Sqrt(200)*rng.NormFloat64()))
		for range count {
			timer.Update(time.Duration(10e6 * math.Exp(0.7*rng.NormFloat64())))
		}
		snap := ir.EndInterval()
		snap.Time = t0.Add(time.Duration(i) * time.Second)
		if err := exp.Export(ctx, snap); err != nil {
			return err
		}
	}
	return nil
}

// dropSchema drops schema from the database at url.
func dropSchema(t *testing.T, url, schema string) {
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Error(err)
		return
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		t.Error(err)
	}
}
