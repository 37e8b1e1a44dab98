package metrics

import (
	"testing"
	"time"

	gometrics "github.com/rcrowley/go-metrics"
)

// legacyCode stands for code written against go-metrics' interfaces.
func legacyCode(c gometrics.Counter, g gometrics.Gauge, gf gometrics.GaugeFloat64,
	m gometrics.Meter, h gometrics.Histogram, t gometrics.Timer) {
	c.Inc(2)
	c.Dec(1)
	g.Update(9)
	gf.Update(0.25)
	m.Mark(3)
	h.Update(40)
	t.Update(time.Millisecond)
	t.Time(func() {})
	_ = h.Snapshot().Percentile(0.5)
	_ = h.Sample().Size()
	_ = t.Snapshot().Percentiles([]float64{0.5, 0.99})
	m.Stop()
	t.Stop()
}

func TestHandlesServeGoMetricsCode(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	c, g, gf := r.Counter("c", nil), r.Gauge("g", nil), r.GaugeFloat64("gf", nil)
	m, h, tm := r.Meter("m", nil), r.Histogram("h", nil), r.Timer("t", nil)
	legacyCode(c, g, gf, m, h, tm)
	if c.Snapshot().Count() != 1 || g.Snapshot().Value() != 9 || gf.Snapshot().Value() != 0.25 ||
		m.Snapshot().Count() != 3 || h.Snapshot().Count() != 1 || h.Snapshot().Max() != 40 || tm.Snapshot().Count() != 2 {
		t.Fatal("updates through go-metrics interfaces were lost")
	}
	// Writes to read-only copies are ignored, not panics.
	h.Snapshot().Update(1)
	h.Snapshot().Clear()
	tm.Snapshot().Update(time.Second)
	m.Snapshot().Mark(1)
	r.FunctionalGauge("fg", nil, nil).Update(1)
	if h.Count() != 1 || tm.Count() != 2 || m.Count() != 3 {
		t.Fatal("a write to a snapshot changed the live metric")
	}
	if h.Sample().Values() != nil || h.Sample().Size() != 1 {
		t.Fatal("Sample view")
	}
}

func TestAttachGoMetrics(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	legacy := gometrics.NewRegistry()
	gometrics.GetOrRegisterCounter("legacy.jobs", legacy).Inc(4)
	gometrics.GetOrRegisterGauge("queue depth", legacy).Update(12) // a name vitals would refuse
	gometrics.GetOrRegisterGaugeFloat64("ratio", legacy).Update(0.75)
	lm := gometrics.NewMeter()
	defer lm.Stop()
	lm.Mark(8)
	legacy.Register("legacy.meter", lm)
	lh := gometrics.NewHistogram(gometrics.NewUniformSample(100))
	for v := int64(1); v <= 10; v++ {
		lh.Update(v)
	}
	legacy.Register("legacy.hist", lh)
	lt := gometrics.NewTimer()
	defer lt.Stop()
	lt.Update(2 * time.Millisecond)
	legacy.Register("legacy.timer", lt)

	if err := r.AttachGoMetrics(legacy, Tags{"k": ""}); err == nil {
		t.Fatal("invalid attach tags must be refused")
	}
	if err := r.AttachGoMetrics(legacy, Tags{"source": "legacy"}); err != nil {
		t.Fatal(err)
	}
	snap := endInterval(t, r)
	if len(snap.Series) != 6 {
		t.Fatalf("%d series, want 6: %+v", len(snap.Series), snap.Series)
	}
	for _, s := range snap.Series {
		if len(s.Tags) != 1 || s.Tags[0] != (Tag{"source", "legacy"}) {
			t.Fatalf("%s: tags %v", s.Name, s.Tags)
		}
	}
	if s := seriesByName(t, snap, "legacy.jobs"); s.Kind != KindCounter || s.Count != 4 {
		t.Fatalf("counter %+v", s)
	}
	if s := seriesByName(t, snap, "queue_depth"); s.Kind != KindGauge || s.Value != 12 {
		t.Fatalf("gauge %+v", s)
	}
	if s := seriesByName(t, snap, "ratio"); s.Kind != KindGaugeFloat64 || s.Value != 0.75 {
		t.Fatalf("float gauge %+v", s)
	}
	if s := seriesByName(t, snap, "legacy.meter"); s.Kind != KindMeter || s.Count != 8 {
		t.Fatalf("meter %+v", s)
	}
	if s := seriesByName(t, snap, "legacy.hist"); s.Kind != KindHistogram || s.Count != 10 ||
		s.Summary.Max != 10 || s.Summary.P50 != 5.5 || s.Summary.Buckets != nil {
		t.Fatalf("histogram %+v", s)
	}
	if s := seriesByName(t, snap, "legacy.timer"); s.Kind != KindTimer || s.Unit != "ns" ||
		s.Summary.Max != int64(2*time.Millisecond) {
		t.Fatalf("timer %+v", s)
	}
}

func TestSanitizeName(t *testing.T) {
	for in, want := range map[string]string{
		"ok.name": "ok.name", "a b;c": "a_b_c", "": "_", "größe": "größe", "new\nline": "new_line",
	} {
		if got := sanitizeName(in); got != want {
			t.Errorf("sanitizeName(%q) = %q, want %q", in, got, want)
		}
	}
}
