package postgres

import (
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// replaySeries are series that only replayed snapshots have: the first
// points of a timer and a counter in their day.
func replaySeries(i int) []metrics.Series {
	return []metrics.Series{
		{Name: "replay.latency", Kind: metrics.KindTimer, Unit: "ns", Count: int64(3 * i),
			Summary: summaryOf(distOf(int64(2000+i), 90000, 7)), Rates: metrics.Rates{Rate1: 0.5, Rate5: 0.25, Rate15: 0.125, Mean: 1}},
		{Name: "replay.count", Kind: metrics.KindCounter, Count: int64(1000 + i)},
	}
}

// TestRollupReplayedSnapshots writes three hours of points but for half an
// hour of outage, rolls them up, then writes the outage's snapshots late,
// as a disk spool replays them after the backend or the process comes
// back, and one more snapshot, two hours old, into a minute that has
// points, with series new that day: the next run rolls their minutes and
// hours up again, and both rollups equal the merge of the points.
func TestRollupReplayedSnapshots(t *testing.T) {
	t.Parallel()
	rt := newRollupTester(t)
	now := rt.clock()
	start := now.UTC().Truncate(time.Hour).Add(-3 * time.Hour)
	outage := span{start.Add(40 * time.Minute), start.Add(70 * time.Minute)}
	var missed []int
	for i := range 360 {
		at := start.Add(time.Duration(i) * 30 * time.Second)
		if !at.Before(outage.from) && at.Before(outage.to) {
			missed = append(missed, i)
			continue
		}
		rt.export(t, at, mixSeries(i)...)
	}
	rt.maintain(t, now)
	m, h := rt.state(t)
	if m.from.After(start) || h.from.After(start) || !h.to.After(outage.to) {
		t.Fatalf("minutes %v, hours %v; want both from %v, hours past %v", m, h, start, outage.to)
	}
	rt.checkRollups(t, "before the replay")

	for _, i := range missed {
		rt.export(t, start.Add(time.Duration(i)*30*time.Second), mixSeries(i)...)
	}
	extra := start.Add(time.Hour + 20*time.Minute + 10*time.Second)
	rt.export(t, extra, append(mixSeries(1000), replaySeries(1)...)...)
	if marked := rt.marked(t); len(marked) != 31 {
		t.Fatalf("%d marked minutes, want 31 (the outage's 30, and %v)", len(marked), extra.Truncate(time.Minute))
	}
	rt.maintain(t, now.Add(time.Minute))
	rt.checkRollups(t, "after the replay")
	if marked := rt.marked(t); len(marked) > 0 {
		t.Errorf("marked minutes %v after the run, want none", marked)
	}
}

// TestRollupReplayPartlyStored writes again, with more series, a snapshot
// two hours old that is already stored (a spool's replay of the snapshot
// whose Export a SIGKILL interrupted): the COPY fails on the primary key,
// the INSERT that follows stores the new points and marks the minute in
// the same statement, and the next run rolls them up.
func TestRollupReplayPartlyStored(t *testing.T) {
	t.Parallel()
	rt := newRollupTester(t)
	now := rt.clock()
	at := now.UTC().Truncate(time.Minute).Add(-2 * time.Hour)
	for i := range 20 {
		rt.export(t, at.Add(time.Duration(i)*30*time.Second), mixSeries(i)...)
	}
	rt.maintain(t, now)
	if marked := rt.marked(t); len(marked) > 0 {
		t.Fatalf("marked minutes %v after the run, want none", marked)
	}
	rt.export(t, at.Add(5*time.Minute), append(mixSeries(10), replaySeries(2)...)...)
	if marked := rt.marked(t); len(marked) != 1 || !marked[0].Equal(at.Add(5*time.Minute)) {
		t.Fatalf("marked minutes %v, want %v", marked, at.Add(5*time.Minute))
	}
	rt.maintain(t, now.Add(time.Minute))
	rt.checkRollups(t, "after the replay")
}

// TestRollupReplayCompactedDay writes late points into a day already
// compacted into blocks and rolled up: rolling their minute up again
// reads the day's blocks as well as its rows.
func TestRollupReplayCompactedDay(t *testing.T) {
	t.Parallel()
	rt := newRollupTester(t)
	day := rt.clock().UTC().Truncate(24*time.Hour).AddDate(0, 0, -2)
	for i := range 180 {
		rt.export(t, day.Add(20*time.Hour+time.Duration(i)*20*time.Second), mixSeries(i)...)
	}
	if st, err := rt.e.Compact(xpCtx(t), day); err != nil || st.Points == 0 {
		t.Fatalf("Compact: %+v, %v", st, err)
	}
	rt.maintain(t, rt.clock())
	rt.checkRollups(t, "compacted")

	rt.export(t, day.Add(20*time.Hour+10*time.Minute+5*time.Second), append(mixSeries(500), replaySeries(3)...)...)
	rt.export(t, day.Add(20*time.Hour+59*time.Minute+50*time.Second), mixSeries(501)...)
	if marked := rt.marked(t); len(marked) != 2 {
		t.Fatalf("marked minutes %v, want 2", marked)
	}
	rt.maintain(t, rt.clock())
	rt.checkRollups(t, "late points beside the blocks")
}

// TestRollupReplayConcurrentProcesses replays an hour of snapshots two
// hours old while four processes run the maintenance over and over: once
// one more run has completed, the rollups equal the merge of the points
// and no mark is left.
func TestRollupReplayConcurrentProcesses(t *testing.T) {
	t.Parallel()
	rt := newRollupTester(t)
	now := rt.clock()
	start := now.UTC().Truncate(time.Hour).Add(-3 * time.Hour)
	for i := range 120 { // every 90 s over 3 hours, the rest missed
		rt.export(t, start.Add(time.Duration(i)*90*time.Second), mixSeries(i)...)
	}
	rt.maintain(t, now)
	stop := rt.maintainConcurrently(t, 4)
	for i := range 240 { // the hour from start+1h, every 15 s
		at := start.Add(time.Hour + time.Duration(i)*15*time.Second)
		if at.Sub(start)%(90*time.Second) == 0 {
			continue // stored already
		}
		rt.export(t, at, append(mixSeries(i+1000), replaySeries(i)...)...)
	}
	stop()
	rt.maintain(t, now)
	rt.checkRollups(t, "replayed during the runs")
	if marked := rt.marked(t); len(marked) > 0 {
		t.Errorf("marked minutes %v after the last run, want none", marked)
	}
}

// TestRollupLate: a snapshot is marked when it is at least rollupMarkAge
// old and within the retention.
func TestRollupLate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r := &rollups{retention: 30 * 24 * time.Hour, clock: func() time.Time { return now }}
	for _, c := range []struct {
		ago  time.Duration
		late bool
	}{
		{-time.Minute, false}, // ahead of this clock
		{0, false},
		{rollupMarkAge - time.Second, false},
		{rollupMarkAge + time.Second, true},
		{2 * time.Hour, true},
		{30*24*time.Hour - time.Minute, true},
		{30*24*time.Hour + time.Minute, false}, // in no rollup
	} {
		if got := r.late(now.Add(-c.ago)); got != c.late {
			t.Errorf("late(now - %v) = %v, want %v", c.ago, got, c.late)
		}
	}
}

// TestRollupSlowStepHalvesChunk: a step cut short by the timeout halves
// the chunk, so that a run whose marked minutes are too many to roll up
// again within one step is not stuck.
func TestRollupSlowStepHalvesChunk(t *testing.T) {
	t.Parallel()
	rt := newRollupTester(t)
	rt.r.timeout = time.Nanosecond
	s := &rollupStep{r: rt.r, ids: map[time.Time][]int64{}}
	for _, want := range []time.Duration{rollupFirstChunk / 2, rollupFirstChunk / 4} {
		if _, _, err := s.take(xpCtx(t)); err == nil {
			t.Fatal("a step of 1 ns succeeded")
		}
		if rt.r.chunk != want {
			t.Errorf("chunk %v, want %v", rt.r.chunk, want)
		}
	}
}
