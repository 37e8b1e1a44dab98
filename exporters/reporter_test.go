package exporters_test

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

const (
	tick   = 50 * time.Millisecond // the interval of tests that watch ticks
	noTick = time.Hour             // the interval of tests that only want Shutdown's snapshot
)

func TestTicksAreAlignedAndShared(t *testing.T) {
	t.Parallel()
	a, b := &recorder{}, &recorder{}
	r := start(t, metrics.NewRegistry(), exporters.Config{
		Exporters: map[string]exporters.Exporter{"a": a, "b": b},
		Interval:  tick,
	})
	testkit.Poll(t, 20*time.Second, "4 snapshots", func() bool { return len(a.received()) >= 4 && len(b.received()) >= 4 })
	if err, _ := shutdown(r, 5*time.Second); err != nil {
		t.Fatal(err)
	}

	as, bs := a.received(), b.received()
	if len(as) != len(bs) {
		t.Fatalf("a received %d snapshots, b %d", len(as), len(bs))
	}
	for i := range as {
		if !as[i].Time.Equal(bs[i].Time) || &as[i].Series[0] != &bs[i].Series[0] {
			t.Errorf("snapshot %d differs between the exporters; each tick must take one Snapshot for all", i)
		}
	}
	ticks := as[:len(as)-1] // the last one is Shutdown's, taken between ticks
	for i, s := range ticks {
		if s.Time.UnixNano()%int64(tick) != 0 {
			t.Errorf("snapshot %d stamped %v, not a multiple of %v", i, s.Time, tick)
		}
		if i > 0 {
			if d := s.Time.Sub(ticks[i-1].Time); d <= 0 || d%tick != 0 {
				t.Errorf("snapshot %d is %v after the previous one; want a positive multiple of %v", i, d, tick)
			}
		}
	}
	if final := as[len(as)-1]; !final.Time.After(ticks[len(ticks)-1].Time) {
		t.Errorf("Shutdown's snapshot at %v is not after the last tick's, %v", final.Time, ticks[len(ticks)-1].Time)
	}
}

func TestRetriesWithBackoffThenDelivers(t *testing.T) {
	t.Parallel()
	e := &recorder{failNext: 3}
	r := start(t, metrics.NewRegistry(), exporters.Config{
		Exporters:  map[string]exporters.Exporter{"flaky": e},
		Interval:   tick,
		MinBackoff: 5 * time.Millisecond,
		MaxBackoff: 20 * time.Millisecond,
	})
	testkit.Poll(t, 20*time.Second, "3 deliveries", func() bool { return len(e.received()) >= 3 })
	if err, _ := shutdown(r, 5*time.Second); err != nil {
		t.Fatal(err)
	}

	snaps := e.received()
	h := healthOf(t, r, "flaky")
	if h.Retries != 3 || h.Exported != series(snaps...) || h.Dropped != 0 || h.Rejected != 0 || h.Queued != 0 {
		t.Errorf("health %+v; want 3 retries, %d exported, nothing dropped, rejected or queued", h, series(snaps...))
	}
	if calls := e.callCount(); calls != len(snaps)+3 {
		t.Errorf("%d Export calls for %d snapshots; want 3 more", calls, len(snaps))
	}
	for i := 1; i < len(snaps); i++ {
		if !snaps[i].Time.After(snaps[i-1].Time) {
			t.Errorf("snapshot %d (%v) delivered after snapshot %d (%v)", i, snaps[i].Time, i-1, snaps[i-1].Time)
		}
	}
}

// TestPartialDeliveryIsCountedAsExported has an exporter deliver 2 points
// of every snapshot and fail on the rest, until the snapshots are pushed out
// of the queue or abandoned at Shutdown: those 2 points count as exported,
// once per snapshot however often it was retried, and only the others as
// dropped.
func TestPartialDeliveryIsCountedAsExported(t *testing.T) {
	t.Parallel()
	const perSnapshot = 2
	part := pointy{recorder: &recorder{failNext: math.MaxInt, partial: perSnapshot}, perSeries: 3}
	fast := &recorder{}
	r := start(t, metrics.NewRegistry(), exporters.Config{
		Exporters:  map[string]exporters.Exporter{"partial": part, "fast": fast},
		Interval:   tick,
		QueueSize:  1,
		MinBackoff: time.Millisecond,
		MaxBackoff: 5 * time.Millisecond,
	})
	testkit.Poll(t, 20*time.Second, "4 snapshots partly delivered", func() bool { return part.partiallyDelivered() >= 4 })
	if err, _ := shutdown(r, 100*time.Millisecond); err == nil {
		t.Fatal("Shutdown reported every snapshot delivered")
	}
	h := healthOf(t, r, "partial")
	total := 3 * series(fast.received()...)
	want := int64(perSnapshot * part.partiallyDelivered())
	if h.Exported != want || h.Dropped != total-want || h.Rejected != 0 {
		t.Errorf("health %+v; want %d exported (%d per snapshot partly delivered) and the other %d of %d points dropped",
			h, want, perSnapshot, total-want, total)
	}
	if h.Retries == 0 {
		t.Errorf("health %+v: no retries; the test did not retry partial snapshots", h)
	}
}

func TestRejectedPointsAreCountedNotRetried(t *testing.T) {
	t.Parallel()
	all := &recorder{reject: -1}
	some := pointy{recorder: &recorder{reject: 2}, perSeries: 3}
	r := start(t, metrics.NewRegistry(), exporters.Config{
		Exporters: map[string]exporters.Exporter{"all": all, "some": some},
		Interval:  tick,
	})
	testkit.Poll(t, 20*time.Second, "3 snapshots each", func() bool { return len(all.received()) >= 3 && len(some.received()) >= 3 })
	if err, _ := shutdown(r, 5*time.Second); err != nil {
		t.Fatal(err)
	}

	snaps := all.received()
	h := healthOf(t, r, "all")
	if h.Rejected != series(snaps...) || h.Exported != 0 || h.Retries != 0 || h.Dropped != 0 {
		t.Errorf("all: health %+v; want %d rejected, nothing else", h, series(snaps...))
	}
	if calls := all.callCount(); calls != len(snaps) {
		t.Errorf("all: %d Export calls for %d snapshots; a rejection must not be retried", calls, len(snaps))
	}
	if !h.LastSuccess.IsZero() || !strings.Contains(h.LastError, "all points rejected: bad tag") {
		t.Errorf("all: LastSuccess %v, LastError %q", h.LastSuccess, h.LastError)
	}

	snaps = some.received()
	h = healthOf(t, r, "some")
	wantRejected := int64(2 * len(snaps))
	if h.Rejected != wantRejected || h.Exported != 3*series(snaps...)-wantRejected || h.Retries != 0 || h.Dropped != 0 {
		t.Errorf("some: health %+v; want %d rejected, %d exported", h, wantRejected, 3*series(snaps...)-wantRejected)
	}
	if h.LastSuccess.IsZero() || !strings.Contains(h.LastError, "2 points rejected: bad tag") {
		t.Errorf("some: LastSuccess %v, LastError %q; a partial rejection is a success too", h.LastSuccess, h.LastError)
	}
}

func TestFullQueueDropsOldest(t *testing.T) {
	t.Parallel()
	const size = 3
	gate := make(chan struct{})
	slow := pointy{recorder: &recorder{gate: gate}, perSeries: 3}
	fast := &recorder{}
	logs := newLogSink()
	r := start(t, metrics.NewRegistry(), exporters.Config{
		Exporters: map[string]exporters.Exporter{"slow": slow, "fast": fast},
		Interval:  tick,
		QueueSize: size,
		Timeout:   time.Minute,
		Logger:    slog.New(logs),
	})
	testkit.Poll(t, 20*time.Second, "8 snapshots for the fast exporter", func() bool { return len(fast.received()) >= 8 })
	if calls := slow.callCount(); calls != 1 {
		t.Fatalf("slow exporter called %d times; want 1, stuck", calls)
	}
	if h := healthOf(t, r, "slow"); h.Queued != size || h.Dropped == 0 || h.Exported != 0 {
		t.Errorf("slow while stuck: health %+v; want %d queued and some dropped", h, size)
	}
	fs := fast.received()
	if q, ok := find(fs[len(fs)-1], "vitals.exporter.queue", "slow"); !ok || q.Value != size {
		t.Errorf("self-metric queue{exporter=slow} = %v (found %v); want %d", q.Value, ok, size)
	}

	close(gate)
	if err, _ := shutdown(r, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	fs, ss := fast.received(), slow.received()
	// The first snapshot was being exported when newer ones pushed it out
	// of the queue; that Export then succeeded. The others that were pushed
	// out are dropped: the slow exporter received the newest after them.
	if !ss[0].Time.Equal(fs[0].Time) {
		t.Fatalf("slow exporter's first snapshot %v; want %v", ss[0].Time, fs[0].Time)
	}
	k := len(fs) - (len(ss) - 1) // index in fs of slow's second snapshot
	if k <= size {
		t.Fatalf("fast received %d snapshots, slow %d: nothing was dropped", len(fs), len(ss))
	}
	for i, s := range ss[1:] {
		if !s.Time.Equal(fs[k+i].Time) {
			t.Fatalf("slow exporter's snapshot %d is %v; want the newest ones, %v", i+1, s.Time, fs[k+i].Time)
		}
	}
	h := healthOf(t, r, "slow")
	if want := 3 * series(fs[1:k]...); h.Dropped != want {
		t.Errorf("slow dropped %d points; want %d (3 per series of %d snapshots)", h.Dropped, want, k-1)
	}
	if want := 3 * series(ss...); h.Exported != want || h.Rejected != 0 || h.Retries != 0 {
		t.Errorf("slow: health %+v; want %d exported", h, want)
	}
	if h := healthOf(t, r, "fast"); h.Dropped != 0 || h.Exported != series(fs...) {
		t.Errorf("fast: health %+v; want %d exported, nothing dropped", h, series(fs...))
	}
	if recs := logs.find("queue full"); len(recs) != 1 || recs[0].attrs["exporter"] != "slow" {
		t.Errorf("queue-full log records %+v; want one, for slow, the repeats held back", recs)
	}
}

func TestStuckExporterDoesNotDelayOthers(t *testing.T) {
	t.Parallel()
	stuck := &recorder{gate: make(chan struct{})} // never opened
	healthy := &recorder{}
	reg := metrics.NewRegistry()
	jobs := reg.Counter("jobs", nil)
	r := start(t, reg, exporters.Config{
		Exporters: map[string]exporters.Exporter{"stuck": stuck, "healthy": healthy},
		Interval:  tick,
		Timeout:   time.Minute,
	})
	for want := int64(1); want <= 5; want++ {
		jobs.Inc(1)
		testkit.Poll(t, 20*time.Second, "the increment to reach the healthy exporter", func() bool {
			snaps := healthy.received()
			if len(snaps) == 0 {
				return false
			}
			for _, s := range snaps[len(snaps)-1].Series {
				if s.Name == "jobs" {
					return s.Count == want
				}
			}
			return false
		})
	}
	if calls := stuck.callCount(); calls != 1 {
		t.Fatalf("stuck exporter called %d times; want 1", calls)
	}
	snaps := healthy.received()
	for i := 1; i < len(snaps); i++ {
		if d := snaps[i].Time.Sub(snaps[i-1].Time); d <= 0 || d%tick != 0 {
			t.Errorf("healthy snapshot %d is %v after the previous one", i, d)
		}
	}
	if h := healthOf(t, r, "healthy"); h.Dropped != 0 || h.Queued > 1 {
		t.Errorf("healthy: health %+v; want nothing dropped", h)
	}

	if err, _ := shutdown(r, 100*time.Millisecond); err == nil || !strings.Contains(err.Error(), "stuck:") {
		t.Errorf("Shutdown: %v; want the stuck exporter's undelivered points", err)
	}
	// The healthy exporter received every snapshot, Shutdown's included;
	// the stuck one delivered none of them.
	snaps = healthy.received()
	if h := healthOf(t, r, "healthy"); h.Exported != series(snaps...) || h.Dropped != 0 {
		t.Errorf("healthy after Shutdown: health %+v; want %d exported", h, series(snaps...))
	}
	if h := healthOf(t, r, "stuck"); h.Dropped != series(snaps...) || h.Exported != 0 {
		t.Errorf("stuck after Shutdown: health %+v; want %d dropped", h, series(snaps...))
	}
}

func TestShutdownDeliversTheFinalInterval(t *testing.T) {
	t.Parallel()
	e := &recorder{}
	reg := metrics.NewRegistry()
	r := start(t, reg, exporters.Config{Exporters: map[string]exporters.Exporter{"e": e}, Interval: noTick})
	reg.Counter("jobs", nil).Inc(42)
	reg.Histogram("batch", nil).Update(7)

	before := time.Now()
	if err, _ := shutdown(r, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	snaps := e.received()
	if len(snaps) != 1 {
		t.Fatalf("received %d snapshots; want Shutdown's only", len(snaps))
	}
	final := snaps[0]
	if final.Time.Before(before) || final.Time.After(time.Now()) {
		t.Errorf("final snapshot stamped %v; want the time Shutdown took it", final.Time)
	}
	var jobs, batch bool
	for _, s := range final.Series {
		jobs = jobs || s.Name == "jobs" && s.Count == 42
		batch = batch || s.Name == "batch" && s.Summary.Count == 1 && s.Summary.Max == 7
	}
	if !jobs || !batch {
		t.Errorf("final snapshot lacks the last interval's values: %+v", final.Series)
	}
	if n := e.shutdownCount(); n != 1 {
		t.Errorf("exporter's Shutdown called %d times; want 1", n)
	}
}

func TestSecondShutdown(t *testing.T) {
	t.Parallel()
	e := &recorder{}
	r := start(t, metrics.NewRegistry(), exporters.Config{Exporters: map[string]exporters.Exporter{"e": e}, Interval: noTick})
	if err, _ := shutdown(r, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if err, _ := shutdown(r, 5*time.Second); !errors.Is(err, exporters.ErrShutdown) {
		t.Errorf("second Shutdown: %v; want ErrShutdown", err)
	}
	if n, got := e.shutdownCount(), len(e.received()); n != 1 || got != 1 {
		t.Errorf("exporter shut down %d times and received %d snapshots; want 1 and 1", n, got)
	}
}

// TestNoGoroutineOutlivesShutdown is not parallel: it counts every
// goroutine running the Reporter's code.
func TestNoGoroutineOutlivesShutdown(t *testing.T) {
	testkit.Poll(t, 20*time.Second, "other tests' reporters to end", func() bool { return len(testkit.Goroutines(reporterFrames...)) == 0 })
	r := start(t, metrics.NewRegistry(), exporters.Config{
		Exporters: map[string]exporters.Exporter{
			"ok":      &recorder{},
			"failing": &recorder{failNext: 1 << 30},
			"stuck":   &recorder{gate: make(chan struct{})},
		},
		Interval:   tick,
		MinBackoff: time.Millisecond,
		MaxBackoff: 5 * time.Millisecond,
		Timeout:    time.Minute,
	})
	testkit.Poll(t, 20*time.Second, "4 goroutines: a ticker and a worker per exporter", func() bool { return len(testkit.Goroutines(reporterFrames...)) == 4 })
	testkit.Poll(t, 20*time.Second, "a few ticks", func() bool { return healthOf(t, r, "ok").Exported > 0 && healthOf(t, r, "failing").Retries > 2 })
	if err, _ := shutdown(r, 200*time.Millisecond); err == nil {
		t.Fatal("Shutdown reported no undelivered points")
	}
	// Shutdown has waited for its goroutines; poll only for them to exit
	// the runtime after their last deferred call.
	if gs := testkit.WaitGoroutines(time.Second, reporterFrames...); len(gs) > 0 {
		t.Fatalf("goroutines outlived Shutdown:\n%s", strings.Join(gs, "\n\n"))
	}
}

func TestSelfMetrics(t *testing.T) {
	t.Parallel()
	flaky := pointy{recorder: &recorder{failNext: 1}, perSeries: 2}
	bad := &recorder{reject: -1}
	reg := metrics.NewRegistry()
	r := start(t, reg, exporters.Config{
		Exporters:  map[string]exporters.Exporter{"flaky": flaky, "bad": bad},
		Interval:   noTick,
		MinBackoff: time.Millisecond,
	})
	if err, _ := shutdown(r, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	final := flaky.received()[0]
	points := series(final)

	// The functional gauges were in the snapshot, read before it was queued.
	for _, exporter := range []string{"flaky", "bad"} {
		q, ok := find(final, "vitals.exporter.queue", exporter)
		if !ok || q.Kind != metrics.KindGauge || q.Value != 0 {
			t.Errorf("queue{exporter=%s}: %+v (found %v)", exporter, q, ok)
		}
		s, ok := find(final, "vitals.exporter.since_success", exporter)
		if !ok || s.Kind != metrics.KindGaugeFloat64 || s.Value < 0 || s.Value > 60 {
			t.Errorf("since_success{exporter=%s}: %+v (found %v)", exporter, s, ok)
		}
	}

	after := reg.Peek()
	want := []struct {
		name, exporter string
		count          int64
	}{
		{"vitals.exporter.exported", "flaky", 2 * points},
		{"vitals.exporter.rejected", "flaky", 0},
		{"vitals.exporter.dropped", "flaky", 0},
		{"vitals.exporter.retries", "flaky", 1},
		{"vitals.exporter.flush", "flaky", 1},
		{"vitals.exporter.exported", "bad", 0},
		{"vitals.exporter.rejected", "bad", points},
		{"vitals.exporter.dropped", "bad", 0},
		{"vitals.exporter.retries", "bad", 0},
		{"vitals.exporter.flush", "bad", 0},
	}
	for _, w := range want {
		s, ok := find(after, w.name, w.exporter)
		wantKind := metrics.KindCounter
		if w.name == "vitals.exporter.flush" {
			wantKind = metrics.KindTimer
		}
		if !ok || s.Kind != wantKind || s.Count != w.count || len(s.Tags) != 1 {
			t.Errorf("%s{exporter=%s}: %+v (found %v); want a %v of %d", w.name, w.exporter, s, ok, wantKind, w.count)
		}
	}
	for _, name := range []string{"vitals.exporter.queue", "vitals.exporter.since_success"} {
		if s, ok := find(after, name, "flaky"); ok {
			t.Errorf("%s still registered after Shutdown: %+v", name, s)
		}
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	good := &recorder{failNext: 2}
	down := &recorder{failNext: 1 << 30}
	picky := &recorder{reject: -1}
	r := start(t, metrics.NewRegistry(), exporters.Config{
		Exporters:  map[string]exporters.Exporter{"picky": picky, "good": good, "down": down},
		Interval:   noTick,
		MinBackoff: time.Millisecond,
		MaxBackoff: 10 * time.Millisecond,
	})
	for _, h := range r.Health() {
		if h != (exporters.ExporterHealth{Name: h.Name}) {
			t.Errorf("health before the first snapshot: %+v; want zeros", h)
		}
	}
	before := time.Now()
	err, _ := shutdown(r, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "down:") || strings.Contains(err.Error(), "good:") || strings.Contains(err.Error(), "picky:") {
		t.Errorf("Shutdown: %v; want an error for down only", err)
	}

	hs := r.Health()
	if got := names(hs); strings.Join(got, ",") != "down,good,picky" {
		t.Fatalf("Health names %v; want sorted", got)
	}
	points := series(good.received()...)
	if h := hs[1]; h.LastSuccess.Before(before) || h.LastErrorAt.After(h.LastSuccess) || h.LastErrorAt.Before(before) ||
		!strings.Contains(h.LastError, "backend unavailable") || h.Exported != points || h.Retries != 2 || h.Queued != 0 {
		t.Errorf("good: %+v", h)
	}
	if h := hs[0]; !h.LastSuccess.IsZero() || h.LastErrorAt.IsZero() || !strings.Contains(h.LastError, "backend unavailable") ||
		h.Dropped != points || h.Retries < 1 || h.Exported != 0 || h.Queued != 0 {
		t.Errorf("down: %+v", h)
	}
	if h := hs[2]; !h.LastSuccess.IsZero() || !strings.Contains(h.LastError, "rejected") || h.Rejected != points || h.Retries != 0 {
		t.Errorf("picky: %+v", h)
	}
}

func TestPanickingExporter(t *testing.T) {
	t.Parallel()
	e := &recorder{panicNext: 2, panicOnShutdown: true}
	counts := pointy{recorder: &recorder{}, perSeries: 5, panics: true}
	logs := newLogSink()
	r := start(t, metrics.NewRegistry(), exporters.Config{
		Exporters:  map[string]exporters.Exporter{"panics": e, "counts": counts},
		Interval:   noTick,
		MinBackoff: time.Millisecond,
		Logger:     slog.New(logs),
	})
	err, _ := shutdown(r, 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), "panics: Shutdown: Shutdown panicked: boom in shutdown") {
		t.Errorf("Shutdown: %v; want the exporter's panic in Shutdown", err)
	}
	points := series(e.received()...)
	if h := healthOf(t, r, "panics"); h.Exported != points || h.Retries != 2 || !strings.Contains(h.LastError, "Export panicked: boom") {
		t.Errorf("health %+v; want delivery after 2 retries", h)
	}
	recs := logs.find("Export panicked")
	if len(recs) != 1 || recs[0].attrs["exporter"] != "panics" || !strings.Contains(recs[0].attrs["stack"], "recorder).Export") {
		t.Errorf("panic log records %+v; want one with the exporter and its stack", recs)
	}
	// A PointCounter that panics is counted one point per series.
	if h := healthOf(t, r, "counts"); h.Exported != series(counts.received()...) {
		t.Errorf("counts: health %+v", h)
	}
	if recs := logs.find("Points panicked"); len(recs) != 1 {
		t.Errorf("Points panic log records %+v; want one", recs)
	}
}

func TestRepeatedErrorsAreLoggedOnce(t *testing.T) {
	t.Parallel()
	e := &recorder{failNext: 1 << 30}
	logs := newLogSink()
	r := start(t, metrics.NewRegistry(), exporters.Config{
		Exporters:  map[string]exporters.Exporter{"down": e},
		Interval:   noTick,
		MinBackoff: time.Millisecond,
		MaxBackoff: time.Millisecond,
		Logger:     slog.New(logs),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Shutdown(ctx) }()
	testkit.Poll(t, 20*time.Second, "20 failed exports", func() bool { return e.callCount() >= 20 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown: %v", err)
	}
	recs := logs.find("export failed")
	if len(recs) != 1 {
		t.Fatalf("%d log records for %d identical failures; want 1", len(recs), e.callCount())
	}
	if r := recs[0]; r.level != slog.LevelWarn || r.attrs["exporter"] != "down" || !strings.Contains(r.attrs["error"], "backend unavailable") {
		t.Errorf("log record %+v", r)
	}
}

func TestInvalidConfig(t *testing.T) {
	t.Parallel()
	ok := map[string]exporters.Exporter{"e": &recorder{}}
	tests := []struct {
		name string
		reg  *metrics.Registry
		cfg  exporters.Config
		want []string
	}{
		{"nil registry", nil, exporters.Config{Exporters: ok}, []string{"registry is nil"}},
		{"no exporters", metrics.NewRegistry(), exporters.Config{}, []string{"Exporters is required"}},
		{"nil exporter", metrics.NewRegistry(), exporters.Config{Exporters: map[string]exporters.Exporter{"e": nil}}, []string{`exporter "e" is nil`}},
		{"empty name", metrics.NewRegistry(), exporters.Config{Exporters: map[string]exporters.Exporter{"": &recorder{}}}, []string{`exporter name ""`, "empty value"}},
		{"control character", metrics.NewRegistry(), exporters.Config{Exporters: map[string]exporters.Exporter{"a\nb": &recorder{}}}, []string{`exporter name "a\nb"`, "control character"}},
		{"negative interval", metrics.NewRegistry(), exporters.Config{Exporters: ok, Interval: -time.Second}, []string{"Interval is -1s"}},
		{"tiny interval", metrics.NewRegistry(), exporters.Config{Exporters: ok, Interval: time.Microsecond}, []string{"Interval is 1µs; it must be at least 1ms"}},
		{"negative queue", metrics.NewRegistry(), exporters.Config{Exporters: ok, QueueSize: -1}, []string{"QueueSize is -1"}},
		{"negative timeout", metrics.NewRegistry(), exporters.Config{Exporters: ok, Timeout: -1}, []string{"Timeout is -1ns"}},
		{"negative backoff", metrics.NewRegistry(), exporters.Config{Exporters: ok, MinBackoff: -1, MaxBackoff: -1}, []string{"MinBackoff is -1ns", "MaxBackoff is -1ns"}},
		{"backoffs reversed", metrics.NewRegistry(), exporters.Config{Exporters: ok, MinBackoff: time.Second, MaxBackoff: time.Millisecond}, []string{"MinBackoff (1s) is longer than MaxBackoff (1ms)"}},
		{"everything at once", nil, exporters.Config{Interval: -1, QueueSize: -1}, []string{"the registry is nil; Exporters is required", "; Interval is -1ns", "; QueueSize is -1"}},
	}
	for _, tt := range tests {
		r, err := exporters.Start(tt.reg, tt.cfg)
		if err == nil {
			r.Shutdown(context.Background())
			t.Errorf("%s: Start succeeded", tt.name)
			continue
		}
		if r != nil || !strings.HasPrefix(err.Error(), "exporters: invalid Config: ") {
			t.Errorf("%s: Start returned %v, %q", tt.name, r, err)
		}
		for _, want := range tt.want {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not say %q", tt.name, err, want)
			}
		}
	}
}

func TestOneReporterPerRegistry(t *testing.T) {
	t.Parallel()
	reg := metrics.NewRegistry()
	cfg := exporters.Config{Exporters: map[string]exporters.Exporter{"e": &recorder{}}, Interval: noTick}
	first := start(t, reg, cfg)
	if _, err := exporters.Start(reg, cfg); err == nil || !strings.Contains(err.Error(), "already running for this registry") {
		t.Fatalf("second Start on one registry: %v", err)
	}
	if err, _ := shutdown(first, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	// After Shutdown the registry may be exported again, with fresh gauges.
	e := &recorder{}
	second := start(t, reg, exporters.Config{Exporters: map[string]exporters.Exporter{"e": e}, Interval: noTick})
	if err, _ := shutdown(second, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	snap := e.received()[0]
	if s, ok := find(snap, "vitals.exporter.since_success", "e"); !ok || s.Value > 60 {
		t.Errorf("since_success after a restart: %+v (found %v)", s, ok)
	}
	if s, ok := find(snap, "vitals.exporter.exported", "e"); !ok || s.Count != series(snap) {
		t.Errorf("exported after a restart: %+v (found %v); want the first Reporter's %d points", s, ok, series(snap))
	}
}

func TestOnSnapshotSeesEverySnapshotFirst(t *testing.T) {
	t.Parallel()
	reg := metrics.NewRegistry()
	reg.Counter("requests", nil).Inc(3)
	e := &recorder{}
	var seen []uint64 // written by the ticking goroutine, read after Shutdown
	logs := newLogSink()
	r := start(t, reg, exporters.Config{
		Exporters: map[string]exporters.Exporter{"e": e},
		Interval:  tick,
		OnSnapshot: func(snap metrics.Snapshot) {
			seen = append(seen, snap.Seq)
			if len(seen) == 1 {
				panic("boom in OnSnapshot")
			}
		},
		Logger: slog.New(logs),
	})
	testkit.Poll(t, 20*time.Second, "three exports", func() bool { return len(e.received()) >= 3 })
	if err, _ := shutdown(r, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	got := e.received()
	if len(seen) != len(got) {
		t.Fatalf("OnSnapshot saw %d snapshots, the exporter %d; want the same, a panic in OnSnapshot included", len(seen), len(got))
	}
	for i, snap := range got {
		if seen[i] != snap.Seq {
			t.Errorf("snapshot %d: OnSnapshot saw Seq %d, the exporter %d", i, seen[i], snap.Seq)
		}
	}
	if recs := logs.find("OnSnapshot panicked"); len(recs) != 1 {
		t.Errorf("panic log records %+v; want one", recs)
	}
}
