package tsdb

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// mv is an expected metric and value.
type mv struct {
	metric string
	value  float64
}

func metricsAndValues(points []Point) []mv {
	out := make([]mv, len(points))
	for i, p := range points {
		out[i] = mv{p.Metric, p.Value}
	}
	return out
}

var (
	testRates = metrics.Rates{Rate1: 1.5, Rate5: 2.25, Rate15: 3, Mean: 0.125}
	// A histogram's interval: plain numbers.
	testSummary = metrics.Summary{
		Count: 3, Sum: 111, Min: 1, Max: 100, Mean: 37, StdDev: 2.5,
		P50: 10, P75: 20.5, P95: 30, P99: 40, P999: 99.75,
	}
	// A timer's interval, in nanoseconds.
	timerSummary = metrics.Summary{
		Count: 4, Sum: 10e6, Min: 1_500_000, Max: 250_000_000, Mean: 2_250_000, StdDev: 125_000,
		P50: 2e6, P75: 3e6, P95: 4.5e6, P99: 100e6, P999: 250e6,
	}
)

func TestFlattenKinds(t *testing.T) {
	tests := []struct {
		name   string
		series metrics.Series
		opts   Options
		want   []mv
	}{
		{"counter", metrics.Series{Name: "jobs.done", Kind: metrics.KindCounter, Count: 7}, Options{},
			[]mv{{"jobs.done.count", 7}}},
		{"counter go-metrics", metrics.Series{Name: "jobs.done", Kind: metrics.KindCounter, Count: -2}, Options{Naming: NamingGoMetrics},
			[]mv{{"jobs.done.count", -2}}},
		{"gauge", metrics.Series{Name: "queue.depth", Kind: metrics.KindGauge, Value: -3}, Options{},
			[]mv{{"queue.depth.value", -3}}},
		{"gauge go-metrics", metrics.Series{Name: "queue.depth", Kind: metrics.KindGauge, Value: 12}, Options{Naming: NamingGoMetrics},
			[]mv{{"queue.depth.value", 12}}},
		{"gauge_float64", metrics.Series{Name: "load", Kind: metrics.KindGaugeFloat64, Value: 0.1}, Options{},
			[]mv{{"load.value", 0.1}}},
		{"gauge_float64 go-metrics", metrics.Series{Name: "load", Kind: metrics.KindGaugeFloat64, Value: 1e-9}, Options{Naming: NamingGoMetrics},
			[]mv{{"load.value", 1e-9}}},
		{"meter", metrics.Series{Name: "req", Kind: metrics.KindMeter, Count: 50, Rates: testRates}, Options{},
			[]mv{{"req.count", 50}, {"req.rate1", 1.5}, {"req.rate5", 2.25}, {"req.rate15", 3}, {"req.rate_mean", 0.125}}},
		{"meter go-metrics", metrics.Series{Name: "req", Kind: metrics.KindMeter, Count: 50, Rates: testRates}, Options{Naming: NamingGoMetrics},
			[]mv{{"req.count", 50}, {"req.one-minute", 1.5}, {"req.five-minute", 2.25}, {"req.fifteen-minute", 3}, {"req.mean", 0.125}}},
		{"histogram", metrics.Series{Name: "size", Kind: metrics.KindHistogram, Count: 103, Summary: testSummary}, Options{DurationUnit: time.Second},
			[]mv{{"size.count", 103}, {"size.min", 1}, {"size.max", 100}, {"size.mean", 37}, {"size.stddev", 2.5},
				{"size.p50", 10}, {"size.p75", 20.5}, {"size.p95", 30}, {"size.p99", 40}, {"size.p999", 99.75}}},
		{"histogram go-metrics", metrics.Series{Name: "size", Kind: metrics.KindHistogram, Count: 103, Summary: testSummary}, Options{Naming: NamingGoMetrics},
			[]mv{{"size.count", 103}, {"size.min", 1}, {"size.max", 100}, {"size.mean", 37}, {"size.std-dev", 2.5},
				{"size.50-percentile", 10}, {"size.75-percentile", 20.5}, {"size.95-percentile", 30}, {"size.99-percentile", 40}, {"size.999-percentile", 99.75}}},
		{"histogram empty interval", metrics.Series{Name: "size", Kind: metrics.KindHistogram, Count: 103}, Options{},
			[]mv{{"size.count", 103}}},
		{"histogram empty interval go-metrics", metrics.Series{Name: "size", Kind: metrics.KindHistogram, Count: 103}, Options{Naming: NamingGoMetrics},
			[]mv{{"size.count", 103}}},
		{"timer milliseconds", metrics.Series{Name: "lat", Kind: metrics.KindTimer, Unit: "ns", Count: 9, Rates: testRates, Summary: timerSummary}, Options{},
			[]mv{{"lat.count", 9}, {"lat.min", 1.5}, {"lat.max", 250}, {"lat.mean", 2.25}, {"lat.stddev", 0.125},
				{"lat.p50", 2}, {"lat.p75", 3}, {"lat.p95", 4.5}, {"lat.p99", 100}, {"lat.p999", 250},
				{"lat.rate1", 1.5}, {"lat.rate5", 2.25}, {"lat.rate15", 3}, {"lat.rate_mean", 0.125}}},
		{"timer go-metrics", metrics.Series{Name: "lat", Kind: metrics.KindTimer, Unit: "ns", Count: 9, Rates: testRates, Summary: timerSummary}, Options{Naming: NamingGoMetrics},
			[]mv{{"lat.count", 9}, {"lat.min", 1.5}, {"lat.max", 250}, {"lat.mean", 2.25}, {"lat.std-dev", 0.125},
				{"lat.50-percentile", 2}, {"lat.75-percentile", 3}, {"lat.95-percentile", 4.5}, {"lat.99-percentile", 100}, {"lat.999-percentile", 250},
				{"lat.one-minute", 1.5}, {"lat.five-minute", 2.25}, {"lat.fifteen-minute", 3}, {"lat.mean-rate", 0.125}}},
		{"timer seconds", metrics.Series{Name: "lat", Kind: metrics.KindTimer, Unit: "ns", Count: 9, Rates: testRates, Summary: timerSummary}, Options{DurationUnit: time.Second},
			[]mv{{"lat.count", 9}, {"lat.min", 0.0015}, {"lat.max", 0.25}, {"lat.mean", 0.00225}, {"lat.stddev", 0.000125},
				{"lat.p50", 0.002}, {"lat.p75", 0.003}, {"lat.p95", 0.0045}, {"lat.p99", 0.1}, {"lat.p999", 0.25},
				{"lat.rate1", 1.5}, {"lat.rate5", 2.25}, {"lat.rate15", 3}, {"lat.rate_mean", 0.125}}},
		{"timer nanoseconds", metrics.Series{Name: "lat", Kind: metrics.KindTimer, Unit: "ns", Count: 9, Rates: testRates, Summary: timerSummary}, Options{DurationUnit: time.Nanosecond},
			[]mv{{"lat.count", 9}, {"lat.min", 1.5e6}, {"lat.max", 250e6}, {"lat.mean", 2.25e6}, {"lat.stddev", 125e3},
				{"lat.p50", 2e6}, {"lat.p75", 3e6}, {"lat.p95", 4.5e6}, {"lat.p99", 100e6}, {"lat.p999", 250e6},
				{"lat.rate1", 1.5}, {"lat.rate5", 2.25}, {"lat.rate15", 3}, {"lat.rate_mean", 0.125}}},
		{"timer empty interval", metrics.Series{Name: "lat", Kind: metrics.KindTimer, Unit: "ns", Count: 9, Rates: testRates}, Options{},
			[]mv{{"lat.count", 9}, {"lat.rate1", 1.5}, {"lat.rate5", 2.25}, {"lat.rate15", 3}, {"lat.rate_mean", 0.125}}},
		{"timer empty interval go-metrics", metrics.Series{Name: "lat", Kind: metrics.KindTimer, Unit: "ns", Count: 9, Rates: testRates}, Options{Naming: NamingGoMetrics},
			[]mv{{"lat.count", 9}, {"lat.one-minute", 1.5}, {"lat.five-minute", 2.25}, {"lat.fifteen-minute", 3}, {"lat.mean-rate", 0.125}}},
		{"prefix", metrics.Series{Name: "jobs.done", Kind: metrics.KindCounter, Count: 1}, Options{Prefix: "svc"},
			[]mv{{"svc.jobs.done.count", 1}}},
		{"prefix sanitized", metrics.Series{Name: "jobs.done", Kind: metrics.KindCounter, Count: 1}, Options{Prefix: "my app"},
			[]mv{{"my_app.jobs.done.count", 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := metrics.Snapshot{Time: testTime, DefaultTags: host, Series: []metrics.Series{tt.series}}
			points, invalid := Flatten(nil, snap, tt.opts)
			if invalid != 0 {
				t.Fatalf("invalid = %d", invalid)
			}
			if got := metricsAndValues(points); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %v\nwant %v", got, tt.want)
			}
			if n := Count(snap, tt.opts); n != len(tt.want) {
				t.Fatalf("Count = %d, want %d", n, len(tt.want))
			}
			for _, p := range points {
				if !p.Time.Equal(testTime) || !reflect.DeepEqual(p.Tags, host) {
					t.Fatalf("point %+v: wrong time or tags", p)
				}
			}
		})
	}
}

func TestFlattenFromRegistry(t *testing.T) {
	r := metrics.NewRegistry()
	if err := r.SetDefaultTags(metrics.Tags{"host": "web01", "service": "alerts"}); err != nil {
		t.Fatal(err)
	}
	r.Counter("jobs.done", metrics.Tags{"queue": "base", "host": "worker7"}).Inc(3)
	r.Timer("query.latency", nil).Update(2 * time.Millisecond)
	snap := r.Peek()
	snap.Time = testTime
	points, invalid := Flatten(nil, snap, Options{})
	if invalid != 0 || len(points) != 1+14 {
		t.Fatalf("%d points, %d invalid", len(points), invalid)
	}
	want := []metrics.Tag{{Key: "host", Value: "worker7"}, {Key: "queue", Value: "base"}, {Key: "service", Value: "alerts"}}
	if points[0].Metric != "jobs.done.count" || points[0].Value != 3 || !reflect.DeepEqual(points[0].Tags, want) {
		t.Fatalf("counter point %+v", points[0])
	}
	if own := snap.AppendTags(nil, &snap.Series[0]); !reflect.DeepEqual(points[0].Tags, own) {
		t.Fatalf("counter point tags %v; the series is exported with %v", points[0].Tags, own)
	}
	if p := points[2]; p.Metric != "query.latency.min" || math.Abs(p.Value-2) > 0.02 {
		t.Fatalf("timer min point %+v", p)
	}
}

func TestFlattenTagMerge(t *testing.T) {
	tag := func(kv ...string) []metrics.Tag {
		var out []metrics.Tag
		for i := 0; i < len(kv); i += 2 {
			out = append(out, metrics.Tag{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	tests := []struct {
		name          string
		defaults, own []metrics.Tag
		want          []metrics.Tag
	}{
		{"defaults only", tag("host", "a", "service", "s"), nil, tag("host", "a", "service", "s")},
		{"own only", nil, tag("stage", "plan"), tag("stage", "plan")},
		{"interleaved", tag("host", "a", "version", "v1"), tag("queue", "q", "zone", "z"),
			tag("host", "a", "queue", "q", "version", "v1", "zone", "z")},
		{"own wins", tag("host", "a", "service", "s"), tag("host", "b", "stage", "plan"),
			tag("host", "b", "service", "s", "stage", "plan")},
		{"own wins every key", tag("a", "1", "b", "2"), tag("a", "x", "b", "y"), tag("a", "x", "b", "y")},
		{"unsorted defaults", tag("version", "v1", "host", "a"), tag("stage", "plan"),
			tag("host", "a", "stage", "plan", "version", "v1")},
		{"unsorted own", tag("host", "a"), tag("zone", "z", "queue", "q"), tag("host", "a", "queue", "q", "zone", "z")},
		{"sanitized and re-sorted", tag("host", "web 01"), tag("𝐀key", "v", "b", "x=y"),
			tag("_key", "v", "b", "x_y", "host", "web_01")},
		{"sanitized keys stay apart", tag("stage", "default"), tag("st age", "mine", "stage", "x"),
			tag("st_age", "mine", "stage", "x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := metrics.Snapshot{Time: testTime, DefaultTags: tt.defaults, Series: []metrics.Series{
				{Name: "c", Kind: metrics.KindCounter, Tags: tt.own},
				{Name: "m", Kind: metrics.KindMeter, Tags: tt.own},
			}}
			points, invalid := Flatten(nil, snap, Options{})
			if invalid != 0 || len(points) != 6 {
				t.Fatalf("%d points, %d invalid", len(points), invalid)
			}
			for _, p := range points {
				if !reflect.DeepEqual(p.Tags, tt.want) {
					t.Fatalf("%s tags %v, want %v", p.Metric, p.Tags, tt.want)
				}
			}
			// The inputs are left as they were.
			if len(tt.own) > 1 && tt.name == "unsorted own" && tt.own[0].Key != "zone" {
				t.Fatal("Flatten reordered the series' tags")
			}
		})
	}
}

func TestFlattenSanitizes(t *testing.T) {
	snap := metrics.Snapshot{Time: testTime, DefaultTags: host, Series: []metrics.Series{
		{Name: "http requests/s", Kind: metrics.KindCounter, Count: 1,
			Tags: []metrics.Tag{{Key: "path", Value: `/api/v1 "x"=1` + "\nput evil 1 1 a=b"}}},
		{Name: "größe.𝐀", Kind: metrics.KindGauge, Value: 2, Tags: []metrics.Tag{{Key: "ключ", Value: "значение"}}},
	}}
	points, invalid := Flatten(nil, snap, Options{})
	if invalid != 0 || len(points) != 2 {
		t.Fatalf("%d points, %d invalid", len(points), invalid)
	}
	if p := points[0]; p.Metric != "http_requests/s.count" || p.Tags[1] != (metrics.Tag{Key: "path", Value: "/api/v1__x__1_put_evil_1_1_a_b"}) {
		t.Fatalf("point %+v", p)
	}
	if p := points[1]; p.Metric != "größe._.value" || p.Tags[1] != (metrics.Tag{Key: "ключ", Value: "значение"}) {
		t.Fatalf("point %+v", p)
	}
	line := string(AppendTelnet(nil, points[0]))
	if want := "put http_requests/s.count 1700000000 1 host=web01 path=/api/v1__x__1_put_evil_1_1_a_b\n"; line != want {
		t.Fatalf("line %q\nwant %q", line, want)
	}
}

func TestFlattenInvalid(t *testing.T) {
	counter := func(name string, tags ...metrics.Tag) metrics.Series {
		return metrics.Series{Name: name, Kind: metrics.KindCounter, Count: 1, Tags: tags}
	}
	nine := make([]metrics.Tag, 9)
	for i := range nine {
		nine[i] = metrics.Tag{Key: string(rune('a' + i)), Value: "v"}
	}
	nanSummary := testSummary
	nanSummary.StdDev = math.NaN()
	tests := []struct {
		name          string
		defaults      []metrics.Tag
		series        metrics.Series
		opts          Options
		valid, broken int
	}{
		{"NaN gauge", host, metrics.Series{Name: "g", Kind: metrics.KindGaugeFloat64, Value: math.NaN()}, Options{}, 0, 1},
		{"+Inf gauge", host, metrics.Series{Name: "g", Kind: metrics.KindGaugeFloat64, Value: math.Inf(1)}, Options{}, 0, 1},
		{"-Inf gauge", host, metrics.Series{Name: "g", Kind: metrics.KindGaugeFloat64, Value: math.Inf(-1)}, Options{}, 0, 1},
		{"NaN rate", host, metrics.Series{Name: "m", Kind: metrics.KindMeter, Rates: metrics.Rates{Rate5: math.NaN()}}, Options{}, 4, 1},
		{"NaN stddev", host, metrics.Series{Name: "h", Kind: metrics.KindHistogram, Summary: nanSummary}, Options{}, 9, 1},
		{"no tag", nil, counter("c"), Options{}, 0, 1},
		{"no tag, every field", nil, metrics.Series{Name: "t", Kind: metrics.KindTimer, Summary: timerSummary}, Options{}, 0, 14},
		{"nine tags", nil, counter("c", nine...), Options{}, 0, 1},
		{"nine tags allowed", nil, counter("c", nine...), Options{MaxTags: 9}, 1, 0},
		{"eight own and one default", host, counter("c", nine[:8]...), Options{}, 0, 1},
		{"eight own overriding a default", []metrics.Tag{{Key: "a", Value: "d"}}, counter("c", nine[:8]...), Options{}, 1, 0},
		{"one tag max", host, counter("c", metrics.Tag{Key: "k", Value: "v"}), Options{MaxTags: 1}, 0, 1},
		{"empty name", host, counter(""), Options{}, 0, 1},
		{"empty name with prefix", host, counter(""), Options{Prefix: "p"}, 0, 1},
		{"empty tag value", host, counter("c", metrics.Tag{Key: "k", Value: ""}), Options{}, 0, 1},
		{"empty tag key", host, counter("c", metrics.Tag{Key: "", Value: "v"}), Options{}, 0, 1},
		{"empty default tag value", []metrics.Tag{{Key: "host", Value: ""}}, counter("c"), Options{}, 0, 1},
		{"empty default overridden", []metrics.Tag{{Key: "host", Value: ""}}, counter("c", metrics.Tag{Key: "host", Value: "h"}), Options{}, 1, 0},
		{"key twice once sanitized", host, counter("c", metrics.Tag{Key: "a b", Value: "1"}, metrics.Tag{Key: "a_b", Value: "2"}), Options{}, 0, 1},
		{"key twice", host, counter("c", metrics.Tag{Key: "k", Value: "1"}, metrics.Tag{Key: "k", Value: "2"}), Options{}, 0, 1},
		{"long line", host, counter(strings.Repeat("n", 1000)), Options{}, 0, 1},
		{"long tag", nil, counter("c", metrics.Tag{Key: "k", Value: strings.Repeat("v", 1000)}), Options{}, 0, 1},
		{"unknown kind", host, metrics.Series{Name: "x", Kind: 0}, Options{}, 0, 1},
		{"unknown kind 99", host, metrics.Series{Name: "x", Kind: 99}, Options{}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := metrics.Snapshot{Time: testTime, DefaultTags: tt.defaults, Series: []metrics.Series{tt.series}}
			points, invalid := Flatten(nil, snap, tt.opts)
			if len(points) != tt.valid || invalid != tt.broken {
				t.Fatalf("%d points, %d invalid; want %d, %d", len(points), invalid, tt.valid, tt.broken)
			}
			if n := Count(snap, tt.opts); n != len(points)+invalid {
				t.Fatalf("Count = %d, Flatten made %d + %d", n, len(points), invalid)
			}
		})
	}
}

func TestFlattenBadTime(t *testing.T) {
	snap := mixedSnapshot(50)
	for _, tm := range []time.Time{{}, time.Unix(0, 0), time.Unix(0, 999_999_999), time.Unix(-5, 0)} {
		snap.Time = tm
		points, invalid := Flatten(nil, snap, Options{})
		if len(points) != 0 || invalid != Count(snap, Options{}) {
			t.Fatalf("time %v: %d points, %d invalid", tm, len(points), invalid)
		}
	}
	snap.Time = time.Unix(1, 0)
	if points, invalid := Flatten(nil, snap, Options{}); len(points) == 0 || invalid != 0 {
		t.Fatalf("time 1s: %d points, %d invalid", len(points), invalid)
	}
}

// TestFlattenLineLimit builds lines of exactly MaxLineLen and one byte more.
func TestFlattenLineLimit(t *testing.T) {
	for _, value := range []float64{7, 0.1, -2.2250738585072014e-308} {
		base := metrics.Series{Name: "c", Kind: metrics.KindGaugeFloat64, Value: value,
			Tags: []metrics.Tag{{Key: "k", Value: "v"}}}
		line := AppendTelnet(nil, Point{Metric: "c.value", Time: testTime, Value: value, Tags: base.Tags})
		pad := MaxLineLen - (len(line) - 1) // bytes to add to reach MaxLineLen
		for _, extra := range []int{0, 1} {
			s := base
			s.Name = "c" + strings.Repeat("x", pad+extra)
			snap := metrics.Snapshot{Time: testTime, Series: []metrics.Series{s}}
			points, invalid := Flatten(nil, snap, Options{})
			if extra == 0 {
				if len(points) != 1 || invalid != 0 {
					t.Fatalf("value %v: a line of %d bytes refused", value, MaxLineLen)
				}
				if n := len(AppendTelnet(nil, points[0])) - 1; n != MaxLineLen {
					t.Fatalf("line is %d bytes, want %d", n, MaxLineLen)
				}
			} else if len(points) != 0 || invalid != 1 {
				t.Fatalf("value %v: a line of %d bytes let through", value, MaxLineLen+1)
			}
		}
	}
}

// TestCountMatchesFlatten checks Count == len(points)+invalid, and that
// every point is valid, on a big snapshot with broken series mixed in.
func TestCountMatchesFlatten(t *testing.T) {
	snap := mixedSnapshot(10000)
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range snap.Series {
		s := &snap.Series[i]
		switch rng.IntN(40) {
		case 0:
			s.Value, s.Summary.Mean = math.NaN(), math.Inf(1)
		case 1:
			s.Name = ""
		case 2:
			s.Tags = append(s.Tags, metrics.Tag{Key: "k", Value: ""})
		case 3:
			s.Kind = 0
		case 4:
			for j := range 8 {
				s.Tags = append(s.Tags, metrics.Tag{Key: "extra" + string(rune('a'+j)), Value: "x"})
			}
		case 5:
			s.Name = strings.Repeat("long.", 200)
		case 6:
			s.Rates.Rate15 = math.Inf(-1)
		}
	}
	for _, naming := range []Naming{NamingVitals, NamingGoMetrics} {
		opts := Options{Naming: naming}
		dst := make([]Point, 3, 10) // Flatten appends after what is there
		points, invalid := Flatten(dst, snap, opts)
		made := len(points) - 3
		if n := Count(snap, opts); n != made+invalid {
			t.Fatalf("Count = %d, Flatten made %d + %d invalid", n, made, invalid)
		}
		if invalid == 0 || made < 40000 {
			t.Fatalf("%d points, %d invalid: the snapshot is not what the test means", made, invalid)
		}
		for _, p := range points[3:] {
			checkValid(t, p, DefaultMaxTags)
		}
	}
}

// checkValid checks everything Flatten promises about a point.
func checkValid(t *testing.T, p Point, maxTags int) {
	t.Helper()
	if p.Metric == "" || Sanitize(p.Metric) != p.Metric {
		t.Fatalf("metric %q", p.Metric)
	}
	if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
		t.Fatalf("%s: value %v", p.Metric, p.Value)
	}
	if len(p.Tags) == 0 || len(p.Tags) > maxTags {
		t.Fatalf("%s: %d tags", p.Metric, len(p.Tags))
	}
	for i, tag := range p.Tags {
		if tag.Key == "" || tag.Value == "" || Sanitize(tag.Key) != tag.Key || Sanitize(tag.Value) != tag.Value {
			t.Fatalf("%s: tag %q", p.Metric, tag)
		}
		if i > 0 && p.Tags[i-1].Key >= tag.Key {
			t.Fatalf("%s: tags not sorted: %v", p.Metric, p.Tags)
		}
	}
	if n := len(AppendTelnet(nil, p)) - 1; n > MaxLineLen {
		t.Fatalf("%s: line of %d bytes", p.Metric, n)
	}
}

func TestFlattenReusesDst(t *testing.T) {
	snap := mixedSnapshot(600)
	points, _ := Flatten(nil, snap, Options{})
	again, _ := Flatten(points[:0], snap, Options{})
	if &again[0] != &points[0] {
		t.Fatal("Flatten did not reuse dst")
	}
	fresh, _ := Flatten(nil, snap, Options{})
	if !reflect.DeepEqual(again, fresh) {
		t.Fatal("reusing dst changed the points")
	}
}

func TestFlattenLeavesSnapshotAlone(t *testing.T) {
	snap := mixedSnapshot(60)
	snap.DefaultTags = []metrics.Tag{{Key: "version", Value: "v 1"}, {Key: "host", Value: "h"}}
	snap.Series[0].Tags = []metrics.Tag{{Key: "z", Value: "1"}, {Key: "a b", Value: "2"}}
	before := mixedSnapshot(60)
	before.DefaultTags = []metrics.Tag{{Key: "version", Value: "v 1"}, {Key: "host", Value: "h"}}
	before.Series[0].Tags = []metrics.Tag{{Key: "z", Value: "1"}, {Key: "a b", Value: "2"}}
	points, _ := Flatten(nil, snap, Options{})
	if !reflect.DeepEqual(snap, before) {
		t.Fatal("Flatten modified the snapshot")
	}
	// Appending to one point's tags must not reach another's.
	p0 := points[0]
	_ = append(p0.Tags, metrics.Tag{Key: "zz", Value: "x"})
	for _, p := range points[1:] {
		checkValid(t, p, DefaultMaxTags)
	}
}

func TestFlattenAllocations(t *testing.T) {
	snap := mixedSnapshot(1000)
	dst, _ := Flatten(nil, snap, Options{})
	allocs := testing.AllocsPerRun(20, func() {
		dst, _ = Flatten(dst[:0], snap, Options{})
	})
	// The metric names' buffer and the tag arena.
	if allocs > 2 {
		t.Fatalf("Flatten of 1000 series: %v allocations, want at most 2", allocs)
	}
}
