// Package bench benchmarks vitals' metrics package side by side with peer
// libraries: github.com/rcrowley/go-metrics, github.com/uber-go/tally/v4,
// github.com/prometheus/client_golang and github.com/VictoriaMetrics/metrics.
//
// It is a separate module (its go.mod replaces github.com/vitals-go/vitals
// with the parent directory), so that the peers never become dependencies of
// vitals itself. It holds no code, only benchmarks, in peers_test.go: one
// family per operation (BenchmarkCounterInc, BenchmarkHistogramUpdate, ...),
// each with one sub-benchmark per library (vitals, gometrics, tally,
// prometheus, victoriametrics, and an atomic baseline where it makes sense).
// README.md says what each library does differently for each operation.
//
// Run it with:
//
//	cd bench && go test -run XXX -bench . -benchmem
//
// and one family with, for example, -bench 'HistogramUpdate$'. For numbers
// worth comparing, run on a quiet machine with -count 10 and compare with
// benchstat.
package bench
