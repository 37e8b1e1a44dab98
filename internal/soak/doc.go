// Package soak holds the soak test of the export pipeline: a registry of
// 10,000 series updated 50,000 times a second, flushed every second to
// VictoriaMetrics (OpenTSDB over HTTP) and PostgreSQL, both real servers
// from internal/testenv, for as long as VITALS_SOAK_DURATION says:
//
//	VITALS_SOAK_DURATION=10m go test -run TestSoak -v -timeout 30m ./internal/soak/
//
// or make soak. It reports the goroutines and the heap every minute and
// fails if they grow after the warm-up, or if any point is dropped. Without
// VITALS_SOAK_DURATION (as in make test) it runs a small 5-second version,
// so that it keeps working. It has no code of its own.
package soak
