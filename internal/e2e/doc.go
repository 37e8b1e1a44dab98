// Package e2e holds end-to-end tests of the export pipeline: a registry, the
// Reporter and a real exporter against real servers from internal/testenv,
// through outages (a server down, stopped, killed or hanging), and
// benchmarks of the hot path during each of them. It has no code of its own.
package e2e
