package httpmetrics_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/vitals-go/vitals/httpmetrics"
	"github.com/vitals-go/vitals/metrics"
)

func Example() {
	reg := metrics.NewRegistry()
	m, err := httpmetrics.New(httpmetrics.Config{Registry: reg})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "user %s\n", r.PathValue("id"))
	})
	handler := m.Wrap(mux) // what http.Server serves

	for _, path := range []string{"/users/1", "/users/2", "/wp-login.php", "/.env"} {
		handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	for _, s := range reg.Peek().Series {
		fmt.Printf("%s %v count=%d\n", s.Name, s.Tags, s.Count)
	}
	// Output:
	// http.server.duration [{code 2xx} {method GET} {route GET /users/{id}}] count=2
	// http.server.duration [{code 4xx} {method GET} {route unmatched}] count=2
}
