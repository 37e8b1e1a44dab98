package metrics_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/vitals-go/vitals/metrics"
)

func TestFamilyFindsRegistrySeries(t *testing.T) {
	r := metrics.NewRegistry()
	f := metrics.NewFamily[*metrics.Counter](r, "http.requests", "route", "code", "method")
	c := f.With("/users", "200", "GET")
	if c != r.Counter("http.requests", metrics.Tags{"method": "GET", "route": "/users", "code": "200"}) {
		t.Fatal("With and Registry.Counter returned different handles for one series")
	}
	if f.With("/users", "200", "GET") != c {
		t.Fatal("a second With returned another handle")
	}
	if f.With("/users", "500", "GET") == c {
		t.Fatal("another code returned the same handle")
	}
	// A series registered through the registry first is found by With.
	h := r.Timer("db.query", metrics.Tags{"table": "users", "op": "select"})
	if got := metrics.NewFamily[*metrics.Timer](r, "db.query", "op", "table").With("select", "users"); got != h {
		t.Fatal("With did not find the series registered through Timer")
	}
	if r.Len() != 3 {
		t.Fatalf("Len = %d, want 3", r.Len())
	}
}

func TestFamilyLookupDoesNotAllocate(t *testing.T) {
	r := metrics.NewRegistry()
	f := metrics.NewFamily[*metrics.Histogram](r, "latency", "method", "route", "code")
	method, route, code := "GET", "/users", "200"
	f.With(method, route, code)
	if n := testing.AllocsPerRun(100, func() { f.With(method, route, code).Update(1) }); n != 0 {
		t.Fatalf("With of an existing series allocates %v times", n)
	}
}

func TestFamilyRefusals(t *testing.T) {
	r := metrics.NewRegistry()
	f := metrics.NewFamily[*metrics.Counter](r, "jobs", "queue")
	f.With("a", "b").Inc(1) // two values for one key
	f.With().Inc(1)
	f.With("").Inc(1) // an empty value is invalid
	bad := metrics.NewFamily[*metrics.Counter](r, "jobs", "queue", "queue")
	bad.With("a", "b").Inc(1)
	invalid := metrics.NewFamily[*metrics.Meter](r, "jobs", "bad key")
	invalid.With("x").Mark(1)
	if got := r.Refused().Invalid; got != 5 {
		t.Fatalf("Refused().Invalid = %d, want 5", got)
	}
	r.Gauge("depth", metrics.Tags{"queue": "a"})
	conflict := metrics.NewFamily[*metrics.Counter](r, "depth", "queue")
	conflict.With("a").Inc(1)
	if got := r.Refused().KindConflict; got != 1 {
		t.Fatalf("Refused().KindConflict = %d, want 1", got)
	}
	if r.Len() != 1 {
		t.Fatalf("Len = %d, want only the gauge", r.Len())
	}
	if _, err := r.CounterE("jobs", metrics.Tags{"queue": ""}); !errors.Is(err, metrics.ErrInvalid) {
		t.Fatalf("CounterE with an empty value: %v", err)
	}
}

func TestFamilyAfterUnregister(t *testing.T) {
	r := metrics.NewRegistry()
	f := metrics.NewFamily[*metrics.Counter](r, "jobs", "queue")
	old := f.With("a")
	r.Unregister("jobs", metrics.Tags{"queue": "a"})
	if f.With("a") == old {
		t.Fatal("With returned the unregistered series' handle")
	}
	if r.Len() != 1 {
		t.Fatalf("Len = %d, want 1", r.Len())
	}
}

func TestFamilyConcurrent(t *testing.T) {
	r := metrics.NewRegistry()
	f := metrics.NewFamily[*metrics.Counter](r, "jobs", "queue", "worker")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				f.With([]string{"a", "b", "c"}[i%3], "w").Inc(1)
			}
		}()
	}
	wg.Wait()
	var total int64
	for _, q := range []string{"a", "b", "c"} {
		total += r.Counter("jobs", metrics.Tags{"queue": q, "worker": "w"}).Count()
	}
	if total != 8000 || r.Len() != 3 {
		t.Fatalf("total %d over %d series, want 8000 over 3", total, r.Len())
	}
}
