package postgres

import (
	"math"
	"strconv"

	"github.com/jackc/pgx/v5/pgtype"
)

// The rates of meters and timers in a block. The metrics package computes
// them from the cumulative count, which the block holds as total_delta,
// so most can be predicted rather than stored (migration 7):
//
//   - rate1, rate5 and rate15 are moving averages that a snapshot 10 s
//     after the previous one advances by two 5-second ticks:
//     r = instant + (r_prev - instant) * decay, instant being the count's
//     increase / 2 / 5 and decay (1 - alpha)^2. A point whose rate is that,
//     computed from the previous point's, stores NULL; the first point,
//     and any other, stores its rate (vitals_blocks.rates_predicted).
//   - rate_mean is the count / the seconds since the meter began, which
//     the block holds as nanoseconds, as differences from the previous
//     point's (vitals_blocks.rate_mean_elapsed).
//
// Only what the view computes back bit for bit is left out: compaction
// computes each prediction as the view does, in float64 with every
// operation rounded (no fused multiply-add), and compares the bits. So
// nothing is lost when the metrics package computes differently (another
// interval, a reading of the rates between snapshots, a platform that
// fuses): the point's value is then stored.

// rateDecayLiterals are the decays of rate1, rate5 and rate15 over two
// ticks, (1 - alpha)^2 as the metrics package computes alpha, written as
// the SQL of the view has them: both sides parse these strings, so they
// agree on every bit even if a platform's math.Exp rounded otherwise.
var rateDecayLiterals = [3]string{"0.8464817248906141", "0.9672161004820059", "0.9889503892939223"}

// rateDecays are rateDecayLiterals parsed.
var rateDecays = func() (d [3]float64) {
	for i, s := range rateDecayLiterals {
		d[i], _ = strconv.ParseFloat(s, 64)
	}
	return d
}()

// ratePrediction returns the rate that the view predicts from the
// previous point's rate prev and the increase delta of the count, and
// whether it may be used: false when the view's arithmetic could fail
// (overflow or underflow, which PostgreSQL reports as errors) or give a
// NaN.
func ratePrediction(prev float64, delta int64, decay float64) (float64, bool) {
	instant := float64(float64(delta)/2) / 5
	diff := float64(prev - instant)
	scaled := float64(diff * decay)
	r := float64(instant + scaled)
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	if !finite(diff) || !finite(scaled) || !finite(r) || diff != 0 && scaled == 0 {
		return 0, false
	}
	return r, true
}

// encodeRates returns rate1, rate5 and rate15 with the predicted values
// NULL, and whether any is (rates_predicted); or the columns as they are
// and false when the points cannot be predicted: a rate or total NULL
// somewhere, or total not held as differences (delta nil).
func encodeRates(pts []blockPoint, delta []pgtype.Int8) (cols [3][]pgtype.Float8, predicted bool) {
	for c := range cols {
		cols[c] = floatColumn(pts, colRate1+c)
	}
	if delta == nil || cols[0] == nil {
		return cols, false
	}
	for _, p := range pts {
		if p.intNull[colTotal] || p.floatNull[colRate1] || p.floatNull[colRate5] || p.floatNull[colRate15] {
			return cols, false
		}
	}
	for c := range cols {
		for i := 1; i < len(pts); i++ {
			want := pts[i].floats[colRate1+c]
			r, ok := ratePrediction(pts[i-1].floats[colRate1+c], delta[i].Int64, rateDecays[c])
			if ok && math.Float64bits(r) == math.Float64bits(want) {
				cols[c][i] = pgtype.Float8{}
				predicted = true
			}
		}
	}
	return cols, predicted
}

// meanRate returns rate_mean as the metrics package computes it from the
// count and the nanoseconds elapsed since the meter began, and as the
// view computes it back.
func meanRate(count, elapsed int64) float64 {
	if elapsed <= 0 {
		return 0
	}
	seconds := float64(float64(elapsed/1e9) + float64(elapsed%1e9)/1e9)
	return float64(count) / seconds
}

// encodeMeanRate returns, for every point, the nanoseconds elapsed (that
// meanRate turns into its rate_mean) minus the previous point's, the first
// minus 0: rate_mean_elapsed. It returns nil when some point's rate_mean
// or total is NULL, or no number of nanoseconds gives its rate_mean back;
// rate_mean is then stored as it is.
func encodeMeanRate(pts []blockPoint) []int64 {
	out := make([]int64, len(pts))
	var prev int64
	for i, p := range pts {
		if p.intNull[colTotal] || p.floatNull[colRateMean] {
			return nil
		}
		e, ok := elapsedFor(p.ints[colTotal], p.floats[colRateMean], pts, i, prev)
		if !ok {
			return nil
		}
		out[i], prev = e-prev, e
	}
	return out
}

// elapsedFor returns a number of nanoseconds from which meanRate gives
// rate from count, preferring the previous point's prev plus the time
// between the points (which makes the differences equal).
func elapsedFor(count int64, rate float64, pts []blockPoint, i int, prev int64) (int64, bool) {
	want := math.Float64bits(rate)
	var guess int64
	if i > 0 {
		step := (pts[i].ts - pts[i-1].ts) * 1000
		if prev <= math.MaxInt64-step {
			guess = prev + step
		}
	}
	if math.Float64bits(meanRate(count, guess)) == want {
		return guess, true
	}
	if count == 0 || rate <= 0 || math.IsInf(rate, 0) || math.IsNaN(rate) {
		return 0, math.Float64bits(meanRate(count, 0)) == want
	}
	ns := float64(count) / rate * 1e9
	if ns < 1 || ns > 1<<62 {
		return 0, false
	}
	near := int64(math.Round(ns))
	for k := int64(0); k <= 8; k++ {
		for _, e := range [2]int64{near + k, near - k} {
			if e > 0 && math.Float64bits(meanRate(count, e)) == want {
				return e, true
			}
		}
	}
	return 0, false
}
