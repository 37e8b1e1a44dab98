// Package livepage is a live web page of a process's own metrics: every
// series of a registry charted over the last hour from a bounded history
// kept in memory, updated as each snapshot is taken, with the health
// report, the exporters' state and links to the pprof profiles. The page
// and its chart library are embedded: it requests nothing from another
// host.
//
// vitals.Start serves it on the pprof server at /debug/vitals/ (behind the
// pprof token when one is set); a program that wires the pieces itself
// feeds a Page from the Reporter and mounts it:
//
//	package main
//
//	import (
//		"context"
//		"log"
//		"net/http"
//
//		"github.com/vitals-go/vitals/exporters"
//		"github.com/vitals-go/vitals/exporters/console"
//		"github.com/vitals-go/vitals/livepage"
//		"github.com/vitals-go/vitals/metrics"
//	)
//
//	func main() {
//		page, err := livepage.New(livepage.Config{})
//		if err != nil {
//			log.Fatal(err)
//		}
//		out, err := console.New(console.Config{})
//		if err != nil {
//			log.Fatal(err)
//		}
//		rep, err := exporters.Start(metrics.Default, exporters.Config{
//			Exporters:  map[string]exporters.Exporter{"console": out},
//			OnSnapshot: page.Observe,
//		})
//		if err != nil {
//			log.Fatal(err)
//		}
//		defer rep.Shutdown(context.Background())
//		mux := http.NewServeMux()
//		mux.Handle("/debug/vitals/", http.StripPrefix("/debug/vitals", page))
//		log.Fatal(http.ListenAndServe("127.0.0.1:6060", mux)) // open http://127.0.0.1:6060/debug/vitals/
//	}
//
// # What the page shows
//
// Counters and meters as rates per second (from the change of their count
// over each interval), gauges as values, histograms and timers as the p50
// and p99 of each interval with their rate, and a heatmap of their values.
// Values are in the series' unit (ns for timers). A counter or meter has a
// rate only where the snapshot before had it too, and none where its count
// went down (a reset: Counter.Clear, or the series registered again); the
// first snapshot of a histogram or timer has no rate either, its interval
// having begun when it was registered.
//
// # The history
//
// The history keeps the snapshots of Config.Window (an hour), at most 720
// of them, and at most Config.MaxSeries series (1,000): the series of a
// snapshot beyond them are counted (dropped_series) but not kept, until
// series that no kept snapshot has any more are forgotten. Per snapshot, a
// counter, meter or gauge takes 4 bytes (a float32) and a histogram or
// timer about 8.7: its count (exact up to 32,766 per interval), p50 and p99
// (on a logarithmic scale, within 0.07%) in 16 bits each, and a third of
// its heatmap's 16 one-octave bands of 4 bits each, a heatmap column
// covering three snapshots. An hour at 10 s of 1,000 series, half of them
// histograms and timers as in examples/service, takes 2.8 MiB of heap;
// 1,000 timers take 3.7 MiB (BenchmarkHistoryMemory).
//
// # API
//
// Under the page's root, all GET:
//
//	./                              the page
//	static/{path}                   its script, style and chart library
//	api/state[?since=SEQ&epoch=E]   the history as JSON, or the snapshots after SEQ
//	api/events[?since=SEQ&epoch=E]  server-sent events: "update" with the State of each new snapshot
//	api/heatmap?id=ID               the heatmap bands of one histogram or timer
//
// A State is
//
//	{"seq":123,"epoch":3810020575585289,"full":true,"interval_ms":10000,"window_ms":3600000,"dropped_series":0,
//	 "times":[1700000000000,...],
//	 "series":[{"id":"http.requests{route=/x}","name":"http.requests","tags":{"route":"/x"},
//	            "kind":"counter","unit":"","lines":{"rate":[12.5,null,...]}},...],
//	 "health":{"status":"GOOD","text":"the health report as nc shows it"},
//	 "exporters":[{"name":"postgres","queued":0,"exported":0,"rejected":0,"dropped":0,"retries":0,
//	               "last_error_at":0,"last_success":1700000000000,"last_error":""}]}
//
// where seq numbers the snapshots from 1, epoch names the history (a
// random number, another one in another run of the process, or after the
// wall clock stepped back, which starts the history again), full says
// that times hold the whole history rather than what followed since (also
// when epoch is not the history's or since is newer than anything held, as
// for a page opened before the process restarted),
// every line is aligned with times (null where the series had no value),
// and times are unix milliseconds. Errors are {"error":"..."} with a 4xx
// status.
//
// At most MaxStreams api/events streams are served at once; others get
// 503 and the page polls api/state instead. A stream sends a keepalive
// comment every 15 s, is cut when its client does not read for 5 s, and
// ends when the server shuts down.
package livepage
