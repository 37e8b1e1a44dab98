package metrics

import (
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"
)

// distInBucket reports whether lower <= v < upper exactly, for the bounds of
// index (float64(v) rounds above 2^53, where all bounds are integers).
func distInBucket(v int64, index int32) bool {
	lower, upper := BucketBounds(index)
	if v <= 0 || upper <= 1<<53 {
		return lower <= float64(v) && float64(v) < upper
	}
	return uint64(lower) <= uint64(v) && uint64(v) < uint64(upper)
}

func TestBucketSubTable(t *testing.T) {
	for s := 0; s <= bucketSubCount; s++ {
		want := math.Ceil(16384 * (math.Exp2(float64(s)/bucketSubCount) - 1))
		if float64(bucketMantissaLow[s]) != want {
			t.Errorf("bucketMantissaLow[%d] = %d, want %v", s, bucketMantissaLow[s], want)
		}
	}
	for m := range bucketSubOf {
		want := int(math.Floor(bucketSubCount * math.Log2(1+float64(m)/16384)))
		if int(bucketSubOf[m]) != want {
			t.Errorf("bucketSubOf[%d] = %d, want floor(35*log2(1+m/16384)) = %d", m, bucketSubOf[m], want)
		}
	}
}

func TestBucketBoundsContiguous(t *testing.T) {
	if lo, hi := BucketBounds(0); lo != math.MinInt64 || hi != 1 {
		t.Errorf("BucketBounds(0) = %v, %v", lo, hi)
	}
	for _, i := range []int32{-1, math.MinInt32, bucketMaxIndex + 1, math.MaxInt32} {
		if lo, hi := BucketBounds(i); !math.IsNaN(lo) || !math.IsNaN(hi) {
			t.Errorf("BucketBounds(%d) = %v, %v, want NaN", i, lo, hi)
		}
	}
	if lo, _ := BucketBounds(35); lo != 1 {
		t.Errorf("lower bound of index 35 = %v, want 1", lo)
	}
	if _, hi := BucketBounds(bucketMaxIndex); hi != 1<<63 {
		t.Errorf("upper bound of the last index = %v, want 2^63", hi)
	}
	nonEmpty := 0
	for i := int32(0); i <= bucketMaxIndex; i++ {
		lo, hi := BucketBounds(i)
		if !(lo <= hi) || (i >= bucketSubCount && !(lo < hi)) {
			t.Fatalf("BucketBounds(%d) = [%v, %v) not increasing", i, lo, hi)
		}
		if i < bucketMaxIndex {
			if next, _ := BucketBounds(i + 1); next != hi {
				t.Fatalf("upper bound of %d = %v != lower bound of %d = %v", i, hi, i+1, next)
			}
		}
		ilo, ihi := bucketIntRange(i)
		if i == 0 {
			if ilo != math.MinInt64 || ihi != 0 {
				t.Fatalf("bucketIntRange(0) = %d, %d", ilo, ihi)
			}
			continue
		}
		if hi <= 1<<53 {
			if float64(ilo) != math.Ceil(lo) || float64(ihi) != math.Ceil(hi)-1 {
				t.Fatalf("bucketIntRange(%d) = %d, %d; bounds [%v, %v)", i, ilo, ihi, lo, hi)
			}
		}
		if ilo > ihi {
			continue // no integer in this small-octave bucket
		}
		nonEmpty++
		// The integers at both ends belong to the bucket, their neighbours
		// outside it do not.
		for _, v := range []int64{ilo, ihi} {
			if got := BucketIndex(v); got != i || !distInBucket(v, i) {
				t.Fatalf("BucketIndex(%d) = %d, want %d [%v, %v)", v, got, i, lo, hi)
			}
		}
		if got := BucketIndex(ilo - 1); got >= i || distInBucket(ilo-1, i) {
			t.Fatalf("BucketIndex(%d) = %d, want < %d", ilo-1, got, i)
		}
		if ihi < math.MaxInt64 {
			if got := BucketIndex(ihi + 1); got <= i || distInBucket(ihi+1, i) {
				t.Fatalf("BucketIndex(%d) = %d, want > %d", ihi+1, got, i)
			}
		}
	}
	t.Logf("%d non-empty buckets for int64 values", nonEmpty)
}

func TestBucketIndexConsistent(t *testing.T) {
	check := func(v int64) {
		t.Helper()
		i := BucketIndex(v)
		if !distInBucket(v, i) {
			lo, hi := BucketBounds(i)
			t.Fatalf("BucketIndex(%d) = %d with bounds [%v, %v)", v, i, lo, hi)
		}
		if v > 0 {
			if oct, sub := bucketOf(v); int32(oct*bucketSubCount+sub) != i {
				t.Fatalf("bucketOf(%d) disagrees with BucketIndex", v)
			}
		} else if i != 0 {
			t.Fatalf("BucketIndex(%d) = %d, want 0", v, i)
		}
	}
	for v := int64(-1000); v <= 1000; v++ {
		check(v)
	}
	for k := 0; k < 63; k++ {
		p := int64(1) << k
		for d := int64(-3); d <= 3; d++ {
			if p+d > 0 {
				check(p + d)
			}
		}
	}
	check(math.MaxInt64)
	check(math.MaxInt64 - 1)
	check(math.MinInt64)
	r := rand.New(rand.NewPCG(1, 2))
	for range 1_000_000 {
		v := int64(r.Uint64() >> (1 + r.IntN(63))) // every bit length
		check(v)
		check(-v)
	}
}

// TestBucketRepresentativeError checks, over every bucket, the relative error
// of the representative value with respect to the smallest and largest
// integer of the bucket (the worst cases).
func TestBucketRepresentativeError(t *testing.T) {
	worst, worstIndex := 0.0, int32(0)
	for i := int32(bucketSubCount); i <= bucketMaxIndex; i++ {
		lo, hi := bucketIntRange(i)
		if lo > hi {
			continue
		}
		rep := bucketRepresentative(i)
		if rep < float64(lo) || rep > float64(hi) {
			t.Fatalf("representative of %d = %v outside [%d, %d]", i, rep, lo, hi)
		}
		e := max((rep-float64(lo))/float64(lo), (float64(hi)-rep)/float64(hi))
		if e > worst {
			worst, worstIndex = e, i
		}
	}
	if worst >= 0.01 {
		t.Fatalf("max relative error %.5f%% (bucket %d) >= 1%%", 100*worst, worstIndex)
	}
	t.Logf("max relative error of a bucket representative: %.5f%% (bucket %d)", 100*worst, worstIndex)
	if bucketRepresentative(0) != 0 {
		t.Errorf("zero bucket representative = %v", bucketRepresentative(0))
	}
}

// distExactQuantile is the nearest-rank quantile Distribution.Quantile
// estimates.
func distExactQuantile(sorted []int64, q float64) int64 {
	n := len(sorted)
	rank := int(math.Ceil(q * float64(n)))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

var distQuantiles = []float64{0, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1}

func distStreams() map[string][]int64 {
	r := rand.New(rand.NewPCG(3, 4))
	const n = 200_000
	clamp := func(x float64) int64 {
		return int64(min(max(x, 1), 1<<62))
	}
	streams := map[string][]int64{}
	gen := func(name string, f func() int64) {
		s := make([]int64, n)
		for i := range s {
			s[i] = f()
		}
		streams[name] = s
	}
	gen("uniform-small", func() int64 { return 1 + r.Int64N(10_000) })
	gen("uniform-large", func() int64 { return 1 + r.Int64N(1<<62) })
	gen("log-uniform", func() int64 { return clamp(math.Exp2(62 * r.Float64())) })
	gen("log-normal", func() int64 { return clamp(math.Exp(math.Log(1e6) + 2*r.NormFloat64())) })
	gen("log-normal-wide", func() int64 { return clamp(math.Exp(math.Log(1e9) + 8*r.NormFloat64())) })
	gen("bimodal", func() int64 {
		if r.IntN(10) < 7 {
			return clamp(1e3 + 100*r.NormFloat64())
		}
		return clamp(1e8 + 1e7*r.NormFloat64())
	})
	gen("edges", func() int64 { return max(1, clamp(math.Exp2(float64(r.IntN(63))))+r.Int64N(3)-1) })
	return streams
}

func TestDistributionQuantileAccuracy(t *testing.T) {
	worst := 0.0
	for name, values := range distStreams() {
		var d distribution
		var sum int64
		for _, v := range values {
			d.record(v)
			sum += v
		}
		got := d.collect()
		sorted := append([]int64(nil), values...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
		if got.Count != int64(len(values)) || got.Sum != sum || got.Min != sorted[0] || got.Max != sorted[len(sorted)-1] {
			t.Errorf("%s: count %d sum %d min %d max %d, want %d %d %d %d", name,
				got.Count, got.Sum, got.Min, got.Max, len(values), sum, sorted[0], sorted[len(sorted)-1])
		}
		for _, q := range distQuantiles {
			want := float64(distExactQuantile(sorted, q))
			est := got.Quantile(q)
			e := math.Abs(est-want) / want
			worst = max(worst, e)
			if !(e < 0.01) {
				t.Errorf("%s: Quantile(%v) = %v, exact %v: relative error %.4f%%", name, q, est, want, 100*e)
			}
			if (q == 0 || q == 1) && est != want {
				t.Errorf("%s: Quantile(%v) = %v, want exactly %v", name, q, est, want)
			}
		}
	}
	t.Logf("max relative quantile error: %.5f%%", 100*worst)
}

func TestDistributionQuantileEdgeCases(t *testing.T) {
	var empty Distribution
	for _, q := range []float64{-1, 0, 0.5, 1, 2, math.NaN()} {
		if got := empty.Quantile(q); got != 0 {
			t.Errorf("empty Quantile(%v) = %v", q, got)
		}
	}
	if empty.Mean() != 0 || empty.Variance() != 0 || empty.StdDev() != 0 {
		t.Errorf("empty mean/variance/stddev not 0")
	}
	var d distribution
	for v := int64(100); v <= 200; v++ {
		d.record(v)
	}
	s := d.peek()
	cases := map[float64]float64{-1: 100, math.NaN(): 100, math.Inf(-1): 100, 0: 100, 1: 200, 1.5: 200, math.Inf(1): 200}
	for q, want := range cases {
		if got := s.Quantile(q); got != want {
			t.Errorf("Quantile(%v) = %v, want %v", q, got, want)
		}
	}
	// Results are clamped into [Min, Max].
	var one distribution
	one.record(1000)
	if got := one.peek().Quantile(0.5); got != 1000 {
		t.Errorf("single value Quantile(0.5) = %v, want 1000", got)
	}
}

func TestDistributionMeanVariance(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var d distribution
	var values []float64
	for range 100_000 {
		v := int64(math.Exp(math.Log(5e4) + r.NormFloat64()))
		d.record(v)
		values = append(values, float64(v))
	}
	var mean float64
	for _, v := range values {
		mean += v
	}
	mean /= float64(len(values))
	var variance float64
	for _, v := range values {
		variance += (v - mean) * (v - mean)
	}
	variance /= float64(len(values))
	s := d.peek()
	if got := s.Mean(); math.Abs(got-mean)/mean > 1e-9 {
		t.Errorf("Mean() = %v, want %v", got, mean)
	}
	if got := s.Variance(); math.Abs(got-variance)/variance > 0.02 {
		t.Errorf("Variance() = %v, want %v", got, variance)
	}
	if got := s.StdDev(); math.Abs(got-math.Sqrt(variance))/math.Sqrt(variance) > 0.01 {
		t.Errorf("StdDev() = %v, want %v", got, math.Sqrt(variance))
	}
	var c distribution
	for range 10 {
		c.record(777)
	}
	if s := c.peek(); s.Variance() != 0 || s.Mean() != 777 {
		t.Errorf("constant: mean %v variance %v", s.Mean(), s.Variance())
	}
}

func TestDistributionExtremes(t *testing.T) {
	var d distribution
	for _, v := range []int64{math.MaxInt64, math.MinInt64, 0, -5} {
		d.record(v)
	}
	got := d.collect()
	want := Distribution{
		Count: 4, Sum: -6, Min: math.MinInt64, Max: math.MaxInt64, TotalCount: 4, TotalSum: -6,
		Buckets: []Bucket{{0, 3}, {bucketMaxIndex, 1}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if q := got.Quantile(0.5); q != 0 {
		t.Errorf("Quantile(0.5) = %v, want 0", q)
	}
	if q := got.Quantile(1); q != math.MaxInt64 {
		t.Errorf("Quantile(1) = %v", q)
	}
	for _, v := range []int64{math.MaxInt64, math.MinInt64, 0, -7, 1} {
		d.record(v)
		got := d.collect()
		if got.Count != 1 || got.Min != v || got.Max != v || got.Sum != v || len(got.Buckets) != 1 ||
			got.Buckets[0] != (Bucket{BucketIndex(v), 1}) || got.Quantile(0.5) != float64(v) {
			t.Errorf("record(%d): %+v", v, got)
		}
	}
	// Only negative values: exact Min, Max and Sum, all in the zero bucket.
	d.record(-3)
	d.record(-10)
	got = d.collect()
	if got.Count != 2 || got.Min != -10 || got.Max != -3 || got.Sum != -13 || !reflect.DeepEqual(got.Buckets, []Bucket{{0, 2}}) {
		t.Errorf("negatives: %+v", got)
	}
}

func TestDistributionMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var a, b, both distribution
	for range 10_000 {
		v := int64(math.Exp2(40*r.Float64())) - 5
		a.record(v)
		both.record(v)
	}
	for range 5_000 {
		v := int64(math.Exp2(20 + 30*r.Float64()))
		b.record(v)
		both.record(v)
	}
	sa, sb, sboth := a.collect(), b.collect(), both.collect()
	if got := sa.Merge(sb); !reflect.DeepEqual(got, sboth) {
		t.Errorf("Merge differs from recording both streams:\n%+v\n%+v", got, sboth)
	}
	if got := sb.Merge(sa); !reflect.DeepEqual(got, sboth) {
		t.Errorf("Merge is not symmetric")
	}
	var empty Distribution
	if got := sa.Merge(empty); !reflect.DeepEqual(got, sa) {
		t.Errorf("x.Merge(empty) != x")
	}
	if got := empty.Merge(sa); !reflect.DeepEqual(got, sa) {
		t.Errorf("empty.Merge(x) != x")
	}
	if got := empty.Merge(empty); !reflect.DeepEqual(got, empty) {
		t.Errorf("empty.Merge(empty) = %+v", got)
	}
	// An empty interval keeps its totals, which are added.
	e := a.collect()
	got := e.Merge(sb)
	if got.Min != sb.Min || got.Max != sb.Max || got.TotalCount != sa.TotalCount+sb.TotalCount || got.Count != sb.Count {
		t.Errorf("merge with empty interval: %+v", got)
	}
	// Merge does not modify its operands.
	cp := append([]Bucket(nil), sa.Buckets...)
	_ = sa.Merge(sboth)
	if !reflect.DeepEqual(cp, sa.Buckets) {
		t.Errorf("Merge modified its receiver")
	}
}

func TestDistributionInterval(t *testing.T) {
	var d distribution
	if got := d.peek(); !reflect.DeepEqual(got, Distribution{}) {
		t.Fatalf("zero value peek = %+v", got)
	}
	for v := int64(1); v <= 100; v++ {
		d.record(v)
	}
	p1, p2 := d.peek(), d.peek()
	if !reflect.DeepEqual(p1, p2) {
		t.Fatalf("peek changed the state: %+v vs %+v", p1, p2)
	}
	if p1.Count != 100 || p1.Sum != 5050 || p1.Min != 1 || p1.Max != 100 || p1.TotalCount != 100 || p1.TotalSum != 5050 {
		t.Fatalf("peek = %+v", p1)
	}
	if d.totalCount() != 100 || d.totalSum() != 5050 {
		t.Fatalf("totals %d %d", d.totalCount(), d.totalSum())
	}
	c1 := d.collect()
	if !reflect.DeepEqual(c1, p1) {
		t.Fatalf("collect %+v != peek %+v", c1, p1)
	}
	want := Distribution{TotalCount: 100, TotalSum: 5050}
	if got := d.peek(); !reflect.DeepEqual(got, want) {
		t.Fatalf("peek after collect = %+v", got)
	}
	if got := d.collect(); !reflect.DeepEqual(got, want) {
		t.Fatalf("empty collect = %+v", got)
	}
	d.record(7)
	d.record(-2)
	want = Distribution{Count: 2, Sum: 5, Min: -2, Max: 7, TotalCount: 102, TotalSum: 5055,
		Buckets: []Bucket{{0, 1}, {BucketIndex(7), 1}}}
	if got := d.peek(); !reflect.DeepEqual(got, want) {
		t.Fatalf("peek = %+v, want %+v", got, want)
	}
	if d.totalCount() != 102 || d.totalSum() != 5055 {
		t.Fatalf("totals %d %d", d.totalCount(), d.totalSum())
	}
	if got := d.collect(); !reflect.DeepEqual(got, want) {
		t.Fatalf("collect = %+v, want %+v", got, want)
	}
	d.record(9)
	d.clear()
	if got := d.peek(); !reflect.DeepEqual(got, Distribution{}) {
		t.Fatalf("peek after clear = %+v", got)
	}
	if d.totalCount() != 0 || d.totalSum() != 0 {
		t.Fatalf("totals after clear %d %d", d.totalCount(), d.totalSum())
	}
	d.record(3)
	if got := d.collect(); got.Count != 1 || got.Min != 3 || got.Max != 3 || got.TotalCount != 1 {
		t.Fatalf("collect after clear = %+v", got)
	}
}

func TestDistributionSpill(t *testing.T) {
	const v = 12345
	idx := BucketIndex(v)
	var d distribution
	const n = 3*distSpillAt + 100 // spills three times
	for range n {
		d.record(v)
	}
	oct, sub := bucketOf(v)
	ch := d.chunk(oct)
	word, shift, _ := ch.counter(sub)
	if half := word.Load() >> shift & distHalfMask; half >= distSpillAt {
		t.Fatalf("counter holds %d after %d records: not spilled", half, n)
	}
	if got := ch.lines[1].spill.Load()[sub].Load(); got != 3*distSpillAt {
		t.Fatalf("spilled %d, want %d", got, 3*distSpillAt)
	}
	if got := d.peek(); got.Count != n || !reflect.DeepEqual(got.Buckets, []Bucket{{idx, n}}) || got.Sum != n*v {
		t.Fatalf("peek = %+v", got)
	}
	if got := d.totalCount(); got != n {
		t.Fatalf("totalCount() = %d, want %d", got, n)
	}
	if got := d.collect(); got.Count != n || !reflect.DeepEqual(got.Buckets, []Bucket{{idx, n}}) || got.TotalCount != n {
		t.Fatalf("collect = %+v, want count %d", got, n)
	}
	if got := d.peek(); got.Count != 0 || got.Buckets != nil || got.TotalCount != n {
		t.Fatalf("after collect: %+v", got)
	}
	// The neighbour sharing the word is untouched by the spills.
	other := int64(v + 1)
	for BucketIndex(other) == idx {
		other++
	}
	d.record(v)
	d.record(other)
	if got := d.collect(); got.Count != 2 || !reflect.DeepEqual(got.Buckets, []Bucket{{idx, 1}, {idx + 1, 1}}) {
		t.Fatalf("neighbours: %+v", got)
	}
	// A spill delayed past a collect that already harvested the counter has
	// nothing to move.
	word.Add(distSpillAt << shift) // as left by a record whose add set bit 15,
	d.live.Or(1 << oct)
	d.min.Store(distEncodeMin(v))
	d.max.Store(distEncodeMax(v)) // which also marked its octave and set the extremes
	if got := d.collect(); got.Count != distSpillAt {
		t.Fatalf("collect = %+v", got)
	}
	d.spill(ch, sub, word, shift)
	if got := d.peek(); got.Count != 0 {
		t.Fatalf("late spill changed the counts: %+v", got)
	}
}

// TestDistributionPeekBoundedWait: a peek that no spill disturbs settles at
// its first try; one that keeps finding a spill in flight, here one whose
// goroutine is descheduled between its two steps, returns the read it has
// after maxPeekTries tries instead of waiting for that goroutine.
func TestDistributionPeekBoundedWait(t *testing.T) {
	var d distribution
	for v := range int64(100) {
		d.record(v + 1)
	}
	want := d.peek()
	d.mu.Lock()
	defer d.mu.Unlock()
	if got, settled := d.peekSettled(nil); !settled || !reflect.DeepEqual(got, want) {
		t.Fatalf("quiet peek: settled %v, %+v; want settled, %+v", settled, got, want)
	}
	d.spilling.Add(1) // a spill between its two steps that never finishes
	got, settled := d.peekSettled(nil)
	d.spilling.Add(-1)
	if settled || !reflect.DeepEqual(got, want) {
		t.Fatalf("peek beside a stuck spill: settled %v, %+v; want unsettled, %+v", settled, got, want)
	}
	if got.Count != 100 || got.TotalCount != 100 {
		t.Fatalf("peek changed the interval: %+v", got)
	}
}

// TestDistributionHotBucketConcurrent records two values sharing one counter
// word from many goroutines, far past the 16-bit range, while another
// collects: every count arrives exactly once.
func TestDistributionHotBucketConcurrent(t *testing.T) {
	const (
		writers   = 4
		perWriter = 200_000
	)
	a := int64(1 << 20)
	b := a + 1
	for BucketIndex(b) == BucketIndex(a) {
		b++
	}
	var d distribution
	var wg sync.WaitGroup
	var done atomic.Bool
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				if (i+w)&1 == 0 {
					d.record(a)
				} else {
					d.record(b)
				}
			}
		}()
	}
	counts := map[int32]uint64{}
	var sum int64
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for !done.Load() {
			got := d.collect()
			sum += got.Sum
			for _, bk := range got.Buckets {
				counts[bk.Index] += bk.Count
			}
		}
	}()
	wg.Wait()
	done.Store(true)
	<-collected
	got := d.collect()
	sum += got.Sum
	for _, bk := range got.Buckets {
		counts[bk.Index] += bk.Count
	}
	half := uint64(writers * perWriter / 2)
	if counts[BucketIndex(a)] != half || counts[BucketIndex(b)] != half || len(counts) != 2 {
		t.Fatalf("counts %v, want %d in each of two buckets", counts, half)
	}
	if want := int64(half)*a + int64(half)*b; sum != want {
		t.Fatalf("sum %d, want %d", sum, want)
	}
}

func TestDistributionConcurrentCollect(t *testing.T) {
	const (
		writers   = 4
		perWriter = 50_000
	)
	var d distribution
	var wg sync.WaitGroup
	var done atomic.Bool
	wantSums := make([]int64, writers)
	wantCounts := make([]map[int32]uint64, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 99))
			counts := map[int32]uint64{}
			var sum int64
			for range perWriter {
				v := int64(math.Exp2(45*r.Float64())) - 2
				d.record(v)
				sum += v
				counts[BucketIndex(v)]++
			}
			wantSums[w], wantCounts[w] = sum, counts
		}()
	}
	gotCounts := map[int32]uint64{}
	var gotCount, gotSum int64
	var collects int
	absorb := func(s Distribution) {
		var n uint64
		for i, b := range s.Buckets {
			if b.Count == 0 || (i > 0 && s.Buckets[i-1].Index >= b.Index) {
				t.Errorf("bad buckets %+v", s.Buckets)
			}
			gotCounts[b.Index] += b.Count
			n += b.Count
		}
		if s.Count != int64(n) {
			t.Errorf("Count %d != sum of buckets %d", s.Count, n)
		}
		if s.Count > 0 && (s.Min > s.Max || s.Min < -2 || BucketIndex(s.Min) != s.Buckets[0].Index ||
			BucketIndex(s.Max) != s.Buckets[len(s.Buckets)-1].Index) {
			t.Errorf("inconsistent extremes %d %d for buckets %+v", s.Min, s.Max, s.Buckets)
		}
		gotCount += s.Count
		gotSum += s.Sum
		if s.TotalCount != gotCount || s.TotalSum != gotSum {
			t.Errorf("totals %d %d, want %d %d", s.TotalCount, s.TotalSum, gotCount, gotSum)
		}
		collects++
	}
	var cwg sync.WaitGroup
	cwg.Add(1)
	go func() {
		defer cwg.Done()
		for !done.Load() {
			absorb(d.collect())
			p := d.peek()
			if tc := d.totalCount(); tc < p.TotalCount {
				t.Errorf("totalCount %d < earlier peek %d", tc, p.TotalCount)
			}
			runtime.Gosched()
		}
	}()
	wg.Wait()
	done.Store(true)
	cwg.Wait()
	absorb(d.collect())

	wantCount := map[int32]uint64{}
	var wantSum int64
	for w := range writers {
		wantSum += wantSums[w]
		for i, c := range wantCounts[w] {
			wantCount[i] += c
		}
	}
	if gotCount != writers*perWriter || gotSum != wantSum {
		t.Errorf("collected count %d sum %d, want %d %d", gotCount, gotSum, writers*perWriter, wantSum)
	}
	if !reflect.DeepEqual(gotCounts, wantCount) {
		t.Errorf("collected bucket counts differ from recorded ones")
	}
	if d.totalCount() != writers*perWriter || d.totalSum() != wantSum {
		t.Errorf("totalCount %d totalSum %d", d.totalCount(), d.totalSum())
	}
	t.Logf("%d collects", collects)
}

func TestDistributionRecordAllocs(t *testing.T) {
	var d distribution
	values := distLatencyValues(1024, 1)
	for _, v := range values {
		d.record(v)
	}
	i := 0
	allocs := testing.AllocsPerRun(10_000, func() {
		d.record(values[i%len(values)])
		i++
	})
	if allocs != 0 {
		t.Errorf("record allocates %v times per call", allocs)
	}
}

// distLatencyValues returns n values log-uniform in 1e3..1e10 (1 µs..10 s in
// nanoseconds), starting with both ends.
func distLatencyValues(n int, seed uint64) []int64 {
	r := rand.New(rand.NewPCG(seed, 42))
	values := []int64{1e3, 1e10}
	for len(values) < n {
		values = append(values, int64(math.Pow(10, 3+7*r.Float64())))
	}
	return values
}

// distHeapPerHistogram returns the heap retained per distribution, in bytes,
// by n distributions that each received the given values.
func distHeapPerHistogram(n int, values []int64) float64 {
	hs := make([]*distribution, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range hs {
		hs[i] = new(distribution)
		for _, v := range values {
			hs[i].record(v)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(hs)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

func TestDistributionMemory(t *testing.T) {
	per := distHeapPerHistogram(4000, distLatencyValues(500, 7))
	t.Logf("%.0f bytes/histogram for 1µs..10s", per)
	if per > 4096 {
		t.Errorf("%.0f bytes/histogram > 4096", per)
	}
}

// TestLayout checks the sizes the concurrency of updates relies on: an
// octave's counters in two whole cache lines, and gauges' idle flags a line
// away from their values.
func TestLayout(t *testing.T) {
	if n := unsafe.Sizeof(distLine{}); n != cacheLine {
		t.Errorf("distLine is %d B, want one %d B cache line", n, cacheLine)
	}
	if n := unsafe.Sizeof(distChunk{}); n != 2*cacheLine {
		t.Errorf("distChunk is %d B, want two cache lines", n)
	}
	if off := unsafe.Offsetof(Gauge{}.touchedFlag); off < cacheLine {
		t.Errorf("Gauge's touched flag is %d B from its value, want at least %d", off, cacheLine)
	}
}

// TestQuantilesIntoMatchesQuantile checks the one-pass quantiles of a
// Summary against Quantile, one at a time, on random distributions.
func TestQuantilesIntoMatchesQuantile(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	qs := []float64{math.NaN(), -1, 0, 1e-9, 0.001, 0.25, 0.5, 0.5, 0.75, 0.95, 0.99, 0.999, 0.9999999, 1, 2}
	for trial := range 200 {
		var d distribution
		for range rng.IntN(50) {
			d.record(int64(math.Exp2(40*rng.Float64())) - int64(rng.IntN(3)))
		}
		dist := d.collect()
		got := make([]float64, len(qs))
		dist.quantilesInto(qs, got)
		for i, q := range qs {
			if want := dist.Quantile(q); got[i] != want && !(math.IsNaN(got[i]) && math.IsNaN(want)) {
				t.Fatalf("trial %d: quantile %v = %v in one pass, %v alone (buckets %v)", trial, q, got[i], want, dist.Buckets)
			}
		}
	}
}

// TestDistributionLiveOctaves checks that a collect reads only the octaves
// recorded into since the previous one, and that a record caught between
// its counter and its octave's bit is collected whole by a later collect.
func TestDistributionLiveOctaves(t *testing.T) {
	var d distribution
	d.record(1000)
	d.record(1 << 30)
	octA, _ := bucketOf(1000)
	octB, subB := bucketOf(1 << 30)
	if got, want := d.live.Load(), uint64(1)<<octA|uint64(1)<<octB; got != want {
		t.Fatalf("live = %b, want %b", got, want)
	}
	if got := d.collect(); got.Count != 2 || got.Sum != 1000+1<<30 || d.live.Load() != 0 {
		t.Fatalf("collect = %+v, live %b", got, d.live.Load())
	}
	d.record(1001)
	// A record of 1<<30 paused after its counter and sum, before its
	// octave's bit, min and max.
	word, shift, line := d.chunk(octB).counter(subB)
	word.Add(1 << shift)
	line.Add(1 << 30)
	if got := d.collect(); got.Count != 1 || got.Sum != 1001 || !reflect.DeepEqual(got.Buckets, []Bucket{{BucketIndex(1001), 1}}) {
		t.Fatalf("collect with a record in flight = %+v, want only 1001", got)
	}
	d.live.Or(1 << octB) // the record ends
	d.min.Store(distEncodeMin(1 << 30))
	d.max.Store(distEncodeMax(1 << 30))
	if got := d.collect(); got.Count != 1 || got.Sum != 1<<30 || got.Min != 1<<30 || got.TotalCount != 4 {
		t.Fatalf("collect after the record = %+v", got)
	}
	if got := d.collect(); got.Count != 0 || got.TotalCount != 4 || got.TotalSum != 2001+2<<30 {
		t.Fatalf("empty collect = %+v", got)
	}
}

// TestDistributionZeroBucket records values <= 0, enough to spill, beside
// positive ones: they all count in bucket 0, exactly in Sum and Min.
func TestDistributionZeroBucket(t *testing.T) {
	var d distribution
	const n = 2*distSpillAt + 7
	for i := range n {
		d.record(-int64(i % 3)) // 0, -1, -2
	}
	d.record(5)
	var wantSum int64
	for i := range n {
		wantSum -= int64(i % 3)
	}
	got := d.collect()
	if got.Count != n+1 || got.Sum != wantSum+5 || got.Min != -2 || got.Max != 5 ||
		!reflect.DeepEqual(got.Buckets, []Bucket{{0, n}, {BucketIndex(5), 1}}) {
		t.Fatalf("collect = %+v, want %d values <= 0 summing to %d and a 5", got, n, wantSum)
	}
	if got.Quantile(0.5) != 0 || got.Quantile(0) != -2 {
		t.Fatalf("quantiles %v %v", got.Quantile(0.5), got.Quantile(0))
	}
	d.record(0)
	if got := d.collect(); got.Count != 1 || got.Sum != 0 || got.TotalCount != n+2 {
		t.Fatalf("second collect = %+v", got)
	}
}

// TestDistributionExtremesSwappedOut: a collect that swapped the extremes
// out before a record raised them (they read as unset) still returns
// Min <= Max within the one bucket counted.
func TestDistributionExtremesSwappedOut(t *testing.T) {
	var d distribution
	idx := BucketIndex(540_000_000)
	r := d.interval([]Bucket{{Index: idx, Count: 1}}, 540_000_000, 0, 0, false)
	if r.Min > r.Max || BucketIndex(r.Min) != idx || BucketIndex(r.Max) != idx {
		t.Errorf("Min %d, Max %d for one value in bucket %d", r.Min, r.Max, idx)
	}
}
