// Package e2e holds end-to-end tests of the export pipeline: a registry, the
// Reporter and a real exporter against real servers from internal/testenv,
// through outages, and benchmarks of the hot path while a backend hangs. It
// has no code of its own.
package e2e
