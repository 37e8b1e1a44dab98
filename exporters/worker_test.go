package exporters

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	const base, ceiling = 100 * time.Millisecond, 30 * time.Second
	for failures, limit := range map[int]time.Duration{
		1: base, 2: 2 * base, 3: 4 * base, 9: 256 * base, 10: ceiling, 64: ceiling, 1000: ceiling,
	} {
		var longest, sum time.Duration
		const draws = 2000
		for range draws {
			d := backoff(base, ceiling, failures)
			if d < 0 || d >= limit {
				t.Fatalf("backoff after %d failures = %v; want in [0, %v)", failures, d, limit)
			}
			longest = max(longest, d)
			sum += d
		}
		// Full jitter: uniform below the limit, so the mean is near half of it
		// and the longest draw near the limit.
		if mean := sum / draws; mean < limit*4/10 || mean > limit*6/10 || longest < limit*9/10 {
			t.Errorf("backoff after %d failures: mean %v, longest %v of %v; want uniform in [0, %v)",
				failures, mean, longest, draws, limit)
		}
	}
}
