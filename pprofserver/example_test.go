package pprofserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/vitals-go/vitals/metrics"
	"github.com/vitals-go/vitals/pprofserver"
)

// Start serves on the loopback interface; port 0 picks a free port.
func ExampleStart() {
	srv, err := pprofserver.Start(pprofserver.Config{
		Addr:                 "127.0.0.1:0",
		MutexProfileFraction: 100, // on while the server runs
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("go tool pprof http://" + srv.Addr() + "/debug/pprof/profile?seconds=10")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Print(err)
	}
}

// A program with its own HTTP server mounts Handler on its mux.
func ExampleHandler() {
	reg := metrics.NewRegistry()
	reg.Counter("jobs.done", metrics.Tags{"queue": "base"}).Inc(3)

	debug := pprofserver.Handler(pprofserver.Config{
		Registry: reg,
		Health: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "ok\n")
		}),
	})
	mux := http.NewServeMux()
	mux.Handle("/debug/", debug)
	mux.Handle("/healthz", debug)

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/debug/metrics", nil))
	var doc struct {
		Series []struct {
			Name  string
			Tags  map[string]string
			Kind  string
			Count int64
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		log.Fatal(err)
	}
	for _, s := range doc.Series {
		fmt.Println(s.Name, s.Tags, s.Kind, s.Count)
	}

	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	fmt.Print(rec.Code, " ", rec.Body)
	// Output:
	// jobs.done map[queue:base] counter 3
	// 200 ok
}

// With a Token, every request must carry it as a bearer token; others get
// 401 and a challenge. Start requires it the same way, on loopback too.
func ExampleHandler_token() {
	debug := pprofserver.Handler(pprofserver.Config{Token: "5d41402abc4b2a76b9719d911017c592"})
	for _, auth := range []string{"", "Bearer not-the-token", "Bearer 5d41402abc4b2a76b9719d911017c592"} {
		req := httptest.NewRequest("GET", "/debug/pprof/cmdline", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		debug.ServeHTTP(rec, req)
		fmt.Printf("%d %s\n", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	// Output:
	// 401 Bearer realm="pprof"
	// 401 Bearer realm="pprof", error="invalid_token"
	// 200
}
