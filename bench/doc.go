// Package bench benchmarks vitals' metrics package side by side with peer
// libraries: github.com/rcrowley/go-metrics, github.com/uber-go/tally/v4,
// github.com/prometheus/client_golang, github.com/VictoriaMetrics/metrics and
// the OpenTelemetry Go SDK (go.opentelemetry.io/otel/sdk/metric).
//
// It is a separate module (its go.mod replaces github.com/vitals-go/vitals
// with the parent directory), so that the peers never become dependencies of
// vitals itself. It holds no code, only benchmarks: one file per family of
// operations (counter_test.go, histogram_test.go, lookup_test.go, ...), each
// family with one sub-benchmark per library (vitals, gometrics, tally,
// prometheus, victoriametrics, otel, and an atomic baseline where it makes
// sense). inputs_test.go holds the values recorded, peers_test.go the
// constructors the families share. README.md says what each library does
// differently for each operation.
//
// The single-goroutine hot-path loops are `for range b.N`, not `for
// b.Loop()`: inside a b.Loop loop the compiler keeps every call's arguments
// alive by storing them to the stack on each iteration, and a store just
// before a locked instruction (which drains the store buffer) adds 1 to 2 ns
// to an update that takes an argument (go-metrics' and vitals' Inc(1), every
// Update(v)) but not to one that takes none (client_golang's and
// VictoriaMetrics' Inc()). Production code pays no such store.
//
// Run it with:
//
//	cd bench && go test -run XXX -bench . -benchmem
//
// and one family with, for example, -bench 'HistogramUpdate$'. `make bench`
// runs every family 5 times at GOMAXPROCS 1 and 2 and regenerates the tables
// of BENCHMARKS.md with scripts/benchtable.py.
package bench
