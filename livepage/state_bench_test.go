package livepage

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// fullPage returns a page whose history holds an hour at 10 s of the
// 1,000 series of the examples/service mix.
func fullPage(b *testing.B) *Page {
	p := newPage(b, Config{})
	observeAll(p.hist, mixSnapshots(b, 1000, 30, false), 360, 0)
	return p
}

// BenchmarkState measures api/state with a whole history of 1,000 series
// (an hour at 10 s): building it (full), fetching it over loopback (http,
// as a page loads), and an update of one snapshot (since, what a live page
// receives, cached for all of them). json-B is the response's size.
func BenchmarkState(b *testing.B) {
	p := fullPage(b)
	b.Run("full", func(b *testing.B) {
		b.ReportAllocs()
		var size int
		for b.Loop() {
			v := p.hist.read(query{all: true})
			size = len(p.appendLive(b.Context(), appendHistory(nil, &v, p.interval, p.hist.span())))
		}
		b.ReportMetric(float64(size), "json-B")
	})
	b.Run("http", func(b *testing.B) { // a new snapshot, then the whole State over loopback, as a page loads
		snaps := mixSnapshots(b, 1000, 3, false)
		srv := httptest.NewServer(p)
		defer srv.Close()
		b.ReportAllocs()
		var size int64
		i := 360
		for b.Loop() {
			snap := snaps[i%len(snaps)]
			snap.Time = t0.Add(time.Duration(i) * 10 * time.Second)
			p.Observe(snap)
			i++
			resp, err := http.Get(srv.URL + "/api/state")
			if err != nil {
				b.Fatal(err)
			}
			size, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(size), "json-B")
	})
	b.Run("since", func(b *testing.B) {
		query := "/api/state?since=" + strconv.FormatUint(newestSeq(p)-1, 10)
		b.ReportAllocs()
		var size int
		for b.Loop() {
			w := httptest.NewRecorder()
			p.ServeHTTP(w, httptest.NewRequest(http.MethodGet, query, nil))
			size = w.Body.Len()
		}
		b.ReportMetric(float64(size), "json-B")
	})
}

// BenchmarkPageCPU measures what a page costs the process: the CPU time
// (user and system, from getrusage) per snapshot of 1,000 series, with no
// page open and with one, whose stream is read to the end of each update
// (by this process, so its reading counts too). The page's cost per second
// is the difference divided by the interval.
func BenchmarkPageCPU(b *testing.B) {
	for _, open := range []bool{false, true} {
		name := "closed"
		if open {
			name = "open"
		}
		b.Run(name, func(b *testing.B) {
			p := fullPage(b)
			snaps := mixSnapshots(b, 1000, 30, false)
			srv := httptest.NewServer(p)
			defer srv.Close()
			var r *bufio.Reader
			if open {
				resp, err := http.Get(srv.URL + "/api/events")
				if err != nil {
					b.Fatal(err)
				}
				defer resp.Body.Close()
				r = bufio.NewReaderSize(resp.Body, 1<<20)
				if _, err := r.ReadString('\n'); err != nil { // the opening comment
					b.Fatal(err)
				}
			}
			i := 360
			start := cpuTime(b)
			for b.Loop() {
				snap := snaps[i%len(snaps)]
				snap.Time = t0.Add(time.Duration(i) * 10 * time.Second)
				p.Observe(snap)
				i++
				if r != nil {
					if err := readUpdate(r); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/snapshot")
		})
	}
}

// readUpdate reads one update event of a stream.
func readUpdate(r *bufio.Reader) error {
	data := false
	for {
		line, err := r.ReadSlice('\n')
		switch {
		case err == bufio.ErrBufferFull: // the rest of a long line follows
		case err != nil:
			return err
		case len(line) == 1 && data:
			return nil
		case bytes.HasPrefix(line, []byte("data: ")):
			data = true
		}
	}
}

// cpuTime returns the process's CPU time so far, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
