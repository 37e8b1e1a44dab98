package metrics_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

func Example() {
	r := metrics.NewRegistry()
	done := r.Counter("jobs.done", metrics.Tags{"queue": "base"})
	done.Inc(3)
	depth := r.Gauge("queue.depth", metrics.Tags{"queue": "base"})
	depth.Update(12)

	for _, s := range r.Peek().Series {
		fmt.Println(s.Kind, s.Name, s.Tags, s.Count, s.Value)
	}
	// Output:
	// counter jobs.done [{queue base}] 3 0
	// gauge queue.depth [{queue base}] 0 12
}

func ExampleRegistry_Timer() {
	r := metrics.NewRegistry()
	latency := r.Timer("query.latency", metrics.Tags{"stage": "plan"})
	for ms := 1; ms <= 100; ms++ {
		latency.Update(time.Duration(ms) * time.Millisecond)
	}
	s := r.Peek().Series[0]
	fmt.Printf("count=%d max=%v p50≈%.0fms p99≈%.0fms\n", s.Count,
		time.Duration(s.Summary.Max), s.Summary.P50/1e6, s.Summary.P99/1e6)
	// Output:
	// count=100 max=100ms p50≈50ms p99≈99ms
}

func ExampleFamily() {
	r := metrics.NewRegistry()
	requests := metrics.NewFamily[*metrics.Counter](r, "http.requests", "method", "route", "code")

	// In a handler, where the values are only known at the call:
	requests.With("GET", "/users", "200").Inc(1)
	requests.With("GET", "/users", "200").Inc(1)
	requests.With("POST", "/users", "201").Inc(1)

	for _, s := range r.Peek().Series {
		fmt.Println(s.Name, s.Tags, s.Count)
	}
	// Output:
	// http.requests [{code 200} {method GET} {route /users}] 2
	// http.requests [{code 201} {method POST} {route /users}] 1
}

func ExampleRegistry_CounterE() {
	r := metrics.NewRegistry()
	_, err := r.CounterE("jobs done", nil)
	fmt.Println(errors.Is(err, metrics.ErrInvalid))
	fmt.Println(err)
	// Output:
	// true
	// metrics: counter "jobs done": invalid name or tag: name "jobs done" has character ' ' at byte 4; allowed are a-z A-Z 0-9 - _ . / and Unicode letters
}

func ExampleRegistry_FunctionalGauge() {
	r := metrics.NewRegistry()
	queue := make(chan int, 10)
	queue <- 1
	r.FunctionalGauge("queue.length", nil, func() int64 { return int64(len(queue)) })
	fmt.Println(r.Peek().Series[0].Value)
	// Output:
	// 1
}

func ExampleIntervalReader() {
	r := metrics.NewRegistry()
	h := r.Histogram("batch.size", nil)
	reader, err := r.NewIntervalReader() // what the exporters' Reporter holds
	if err != nil {
		fmt.Println(err)
		return
	}
	defer reader.Close()
	h.Update(10)
	h.Update(30)
	first := reader.EndInterval()
	h.Update(20)
	second := reader.EndInterval()
	// Each snapshot describes its own interval; the count is cumulative.
	for _, snap := range []metrics.Snapshot{first, second} {
		s := snap.Series[0]
		fmt.Println(snap.Seq, s.Summary.Count, s.Summary.Max, s.Count)
	}
	// Output:
	// 1 2 30 2
	// 2 1 20 3
}
