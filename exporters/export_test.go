package exporters

import "time"

// SetSpoolRetry makes the exporter called name of r try to open its spool
// directory every d, instead of every minute, if another process holds it;
// the next try is d from now. It is for tests of the package exporters_test.
func SetSpoolRetry(r *Reporter, name string, d time.Duration) {
	for _, w := range r.workers {
		if w.name != name || w.spool == nil {
			continue
		}
		s := w.spool
		s.mu.Lock()
		s.retryEvery = d
		if !s.nextOpen.IsZero() {
			s.nextOpen = time.Now().Add(d)
		}
		s.mu.Unlock()
	}
}
