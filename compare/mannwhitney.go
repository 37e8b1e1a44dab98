package compare

import (
	"math"
	"slices"
)

// exactLimit is the largest pooled sample size for which mannWhitney
// computes the exact p-value; above it, the normal approximation is close
// (and the exact count would take O(n³) time).
const exactLimit = 40

// mannWhitney returns the two-sided p-value of the Mann-Whitney U test
// (the Wilcoxon rank-sum test) of the samples x and y: the probability,
// if both were drawn from one distribution, of ranks at least as unevenly
// shared between them as observed. It is 1 when either sample is empty.
//
// Ties get their mean rank. Up to exactLimit values in all, the p-value is
// exact, conditional on the ties: the rank sum of x is compared with its
// distribution over every way of choosing len(x) of the pooled ranks,
// counted by dynamic programming (the per-interval quantiles of log-linear
// buckets tie often, which the usual tables and approximations handle
// poorly for small samples). Above, it is the normal approximation with
// the tie and continuity corrections.
func mannWhitney(x, y []float64) float64 {
	m, n := len(x), len(y)
	if m == 0 || n == 0 {
		return 1
	}
	ranks, ties := doubledRanks(x, y)
	var w int // the rank sum of x, doubled
	for _, r := range ranks[:m] {
		w += r
	}
	if m+n <= exactLimit {
		return exactP(ranks, m, w)
	}
	return normalP(m, n, w, ties)
}

// doubledRanks returns twice the mean ranks (1-based) of the values of x
// then y, in that order, as integers, and the sum over groups of tied
// values of t³ - t, t the size of the group.
func doubledRanks(x, y []float64) (ranks []int, ties float64) {
	type value struct {
		v float64
		i int
	}
	pooled := make([]value, 0, len(x)+len(y))
	for i, v := range x {
		pooled = append(pooled, value{v, i})
	}
	for i, v := range y {
		pooled = append(pooled, value{v, len(x) + i})
	}
	slices.SortFunc(pooled, func(a, b value) int {
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	ranks = make([]int, len(pooled))
	for lo := 0; lo < len(pooled); {
		hi := lo + 1
		for hi < len(pooled) && pooled[hi].v == pooled[lo].v {
			hi++
		}
		// Ranks lo+1..hi, whose mean doubled is lo+1+hi.
		for _, p := range pooled[lo:hi] {
			ranks[p.i] = lo + 1 + hi
		}
		if t := float64(hi - lo); t > 1 {
			ties += t*t*t - t
		}
		lo = hi
	}
	return ranks, ties
}

// exactP returns the two-sided p-value of the doubled rank sum w of the
// first m of ranks: the fraction of the subsets of m of ranks whose sum is
// at least as far from the mean, m(N+1), as w.
func exactP(ranks []int, m, w int) float64 {
	total := 0
	for _, r := range ranks {
		total += r
	}
	// ways[k][s]: the number of subsets of k of the ranks seen so far whose
	// sum is s.
	ways := make([][]float64, m+1)
	for k := range ways {
		ways[k] = make([]float64, total+1)
	}
	ways[0][0] = 1
	for i, r := range ranks {
		for k := min(i+1, m); k >= 1; k-- {
			from, to := ways[k-1], ways[k]
			for s := total - r; s >= 0; s-- {
				if from[s] != 0 {
					to[s+r] += from[s]
				}
			}
		}
	}
	mean := m * (len(ranks) + 1)
	dist := absInt(w - mean)
	var extreme, all float64
	for s, c := range ways[m] {
		all += c
		if absInt(s-mean) >= dist {
			extreme += c
		}
	}
	return min(1, extreme/all)
}

// normalP returns the two-sided p-value of the doubled rank sum w of x by
// the normal approximation of U, corrected for ties and for continuity.
func normalP(m, n, w int, ties float64) float64 {
	fm, fn, big := float64(m), float64(n), float64(m+n)
	u := float64(w)/2 - fm*(fm+1)/2
	mean := fm * fn / 2
	variance := fm * fn / 12 * (big + 1 - ties/(big*(big-1)))
	if variance <= 0 { // every value ties
		return 1
	}
	z := max(0, math.Abs(u-mean)-0.5) / math.Sqrt(variance)
	return math.Erfc(z / math.Sqrt2)
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// hodgesLehmann returns the Hodges-Lehmann estimate of the shift from x to
// y: the median of the differences y[j] - x[i] over every pair, the
// estimator that goes with the Mann-Whitney test. Both must be non-empty.
func hodgesLehmann(x, y []float64) float64 {
	diffs := make([]float64, 0, len(x)*len(y))
	for _, a := range x {
		for _, b := range y {
			diffs = append(diffs, b-a)
		}
	}
	return median(diffs)
}

// median returns the median of xs, which it sorts; NaN when xs is empty.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	slices.Sort(xs)
	h := len(xs) / 2
	if len(xs)%2 == 1 {
		return xs[h]
	}
	return (xs[h-1] + xs[h]) / 2
}
