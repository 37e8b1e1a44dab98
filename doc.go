// Package vitals is the one-call setup of the vitals SDK: tagged metrics
// exported to OpenTSDB or PostgreSQL (or stdout), a health socket for
// `nc host 10001`, and a pprof port, from three lines in main():
//
//	inst, err := vitals.Start(ctx, vitals.Config{Service: "alerts"})
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer inst.Shutdown(context.Background()) // bounded: 5 s by default
//
// Metrics are registered in metrics.Default (see package metrics); every
// series gets the tags host, service and version when exported.
package vitals
