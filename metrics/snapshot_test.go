package metrics

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// endInterval ends an interval of r, as the exporters' Reporter does, with
// an IntervalReader of its own. It is safe to call from any goroutine.
func endInterval(t testing.TB, r *Registry) Snapshot {
	t.Helper()
	ir, err := r.NewIntervalReader()
	if err != nil {
		t.Error(err)
		return Snapshot{}
	}
	defer ir.Close()
	return ir.EndInterval()
}

func seriesByName(t *testing.T, snap Snapshot, name string) Series {
	t.Helper()
	for _, s := range snap.Series {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("series %q not in snapshot", name)
	return Series{}
}

func TestSnapshotEveryKind(t *testing.T) {
	r, clock, _ := newTestRegistry(t)
	r.Counter("c", Tags{"q": "base"}).Inc(7)
	r.Gauge("g", nil).Update(-3)
	r.GaugeFloat64("gf", nil).Update(0.5)
	r.FunctionalGauge("fg", nil, func() int64 { return 42 })
	r.FunctionalGaugeFloat64("fgf", nil, func() float64 { return 2.5 })
	r.Meter("m", nil).Mark(50)
	h := r.Histogram("h", nil)
	for v := int64(1); v <= 100; v++ {
		h.Update(v)
	}
	r.Timer("t", nil).Update(3 * time.Millisecond)
	clock.Add(10 * time.Second)
	snap := endInterval(t, r)
	if !snap.Time.Equal(clock.Now()) {
		t.Fatalf("snapshot time %v", snap.Time)
	}
	if s := seriesByName(t, snap, "c"); s.Kind != KindCounter || s.Count != 7 || s.Tags[0] != (Tag{"q", "base"}) {
		t.Fatalf("counter: %+v", s)
	}
	if s := seriesByName(t, snap, "g"); s.Kind != KindGauge || s.Value != -3 {
		t.Fatalf("gauge: %+v", s)
	}
	if s := seriesByName(t, snap, "gf"); s.Kind != KindGaugeFloat64 || s.Value != 0.5 {
		t.Fatalf("float gauge: %+v", s)
	}
	if s := seriesByName(t, snap, "fg"); s.Kind != KindGauge || s.Value != 42 {
		t.Fatalf("functional gauge: %+v", s)
	}
	if s := seriesByName(t, snap, "fgf"); s.Kind != KindGaugeFloat64 || s.Value != 2.5 {
		t.Fatalf("functional float gauge: %+v", s)
	}
	if s := seriesByName(t, snap, "m"); s.Kind != KindMeter || s.Count != 50 || s.Rates.Rate1 != 5 || s.Rates.Mean != 5 {
		t.Fatalf("meter: %+v", s)
	}
	s := seriesByName(t, snap, "h")
	if s.Kind != KindHistogram || s.Count != 100 || s.Summary.Count != 100 || s.Summary.Sum != 5050 ||
		s.Summary.Min != 1 || s.Summary.Max != 100 || s.Summary.Mean != 50.5 {
		t.Fatalf("histogram: %+v", s)
	}
	if math.Abs(s.Summary.P50-50) > 0.51 || math.Abs(s.Summary.P99-99) > 0.991 || len(s.Summary.Buckets) == 0 {
		t.Fatalf("histogram quantiles: %+v", s.Summary)
	}
	if s := seriesByName(t, snap, "t"); s.Kind != KindTimer || s.Unit != "ns" || s.Count != 1 ||
		s.Summary.Max != int64(3*time.Millisecond) || s.Rates.Rate1 != 0.1 {
		t.Fatalf("timer: %+v", s)
	}
}

// TestSnapshotIntervals checks that each snapshot exports exactly the values
// recorded since the previous one, with cumulative counts, and that reading
// the handle or peeking does not disturb it.
func TestSnapshotIntervals(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	h := r.Histogram("h", nil)
	tm := r.Timer("t", nil)
	for v := int64(1); v <= 10; v++ {
		h.Update(v * 1000)
		tm.Update(time.Duration(v) * time.Second)
	}
	if p := h.Percentile(1); math.Abs(p-10000) > 100 {
		t.Fatalf("live p100 = %f", p)
	}
	if h.Count() != 10 || h.Sum() != 55000 || h.Max() != 10000 || h.Min() != 1000 {
		t.Fatalf("live reads: count %d sum %d min %d max %d", h.Count(), h.Sum(), h.Min(), h.Max())
	}
	if peek := seriesByName(t, r.Peek(), "h"); peek.Summary.Count != 10 {
		t.Fatalf("peek: %+v", peek.Summary)
	}
	first := seriesByName(t, endInterval(t, r), "h")
	if first.Summary.Count != 10 || first.Summary.Max != 10000 || first.Count != 10 {
		t.Fatalf("first interval: %+v", first)
	}
	h.Update(5)
	h.Update(7)
	second := endInterval(t, r)
	s := seriesByName(t, second, "h")
	if s.Summary.Count != 2 || s.Summary.Sum != 12 || s.Summary.Min != 5 || s.Summary.Max != 7 || s.Count != 12 {
		t.Fatalf("second interval: %+v", s)
	}
	if ts := seriesByName(t, second, "t"); ts.Summary.Count != 0 || ts.Count != 10 || ts.Summary.Max != 0 {
		t.Fatalf("an empty interval exports zeros and the cumulative count: %+v", ts)
	}
	if h.Count() != 12 || h.Sum() != 55012 {
		t.Fatalf("cumulative after two snapshots: %d %d", h.Count(), h.Sum())
	}
	h.Clear()
	if h.Count() != 0 || seriesByName(t, endInterval(t, r), "h").Count != 0 {
		t.Fatal("Clear must reset the cumulative count")
	}
}

func TestBadValuesAreDroppedAndCounted(t *testing.T) {
	r, _, logs := newTestRegistry(t)
	g := r.GaugeFloat64("gf", nil)
	g.Update(1.5)
	g.Update(math.NaN())
	g.Update(math.Inf(1))
	g.Update(math.Inf(-1))
	tm := r.Timer("t", nil)
	tm.Update(-time.Second)
	tm.Update(time.Second)
	r.FunctionalGaugeFloat64("nan", nil, math.NaN)
	r.FunctionalGauge("panics", nil, func() int64 { panic("boom") })
	r.Histogram("h", nil).Update(-5) // valid for a histogram
	snap := endInterval(t, r)
	if g.Value() != 1.5 || seriesByName(t, snap, "gf").Value != 1.5 {
		t.Fatal("a NaN or Inf update must keep the previous value")
	}
	if s := seriesByName(t, snap, "t"); s.Count != 1 || s.Summary.Min != int64(time.Second) {
		t.Fatalf("a negative duration must be dropped: %+v", s)
	}
	for _, s := range snap.Series {
		if s.Name == "nan" || s.Name == "panics" {
			t.Fatalf("%s must not be exported", s.Name)
		}
	}
	if got := r.Refused().BadValues; got != 5 { // 3 gauge updates, 1 duration, 1 NaN read
		t.Fatalf("BadValues = %d, want 5", got)
	}
	if !strings.Contains(logs.String(), "boom") {
		t.Fatalf("the panic must be logged:\n%s", logs)
	}
	if h := seriesByName(t, snap, "h"); h.Summary.Min != -5 || h.Summary.Sum != -5 || h.Count != 1 {
		t.Fatalf("negative histogram value: %+v", h.Summary)
	}
}

func TestSnapshotKeepsRegistrationOrder(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	for _, name := range []string{"z", "a", "m"} {
		r.Counter(name, nil)
	}
	var got []string
	for _, s := range endInterval(t, r).Series {
		got = append(got, s.Name)
	}
	if strings.Join(got, "") != "zam" {
		t.Fatalf("order %v", got)
	}
}

// TestSnapshotBucketsAreSeparate checks that the buckets of one series,
// which share an allocation with the next series' in a snapshot, cannot be
// overwritten through the other: an append to one copies.
func TestSnapshotBucketsAreSeparate(t *testing.T) {
	r := NewRegistry()
	a := r.Histogram("a", nil)
	b := r.Histogram("b", nil)
	a.Update(10)
	b.Update(1000)
	b.Update(2000)
	snap := endInterval(t, r)
	sa, sb := snap.Series[0].Summary.Buckets, snap.Series[1].Summary.Buckets
	want := append([]Bucket(nil), sb...)
	_ = append(sa, Bucket{Index: 1, Count: 99})
	if !reflect.DeepEqual(sb, want) || len(sa) != 1 || len(sb) != 2 {
		t.Fatalf("buckets of a %v, of b %v; want b's %v unchanged", sa, sb, want)
	}
}
