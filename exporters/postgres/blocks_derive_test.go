package postgres

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vitals-go/vitals/metrics"
)

// TestCompactDerivesCounts compacts an hour of the example service's and
// of the soak's series, and hand-written histograms and timers whose
// total does not grow by their count: the view returns the same rows
// after compaction; every block of the mixes' histograms and timers holds
// total_delta less count, the hand-written ones only where that is exact
// and leaves more zeros.
func TestCompactDerivesCounts(t *testing.T) {
	t.Parallel()
	for _, mix := range []string{"example", "soak"} {
		t.Run(mix, func(t *testing.T) {
			t.Parallel()
			e, pool := xpNew(t, Config{CompactAfter: -1})
			day := compactTestDay()
			reg := metrics.NewRegistry()
			w := exampleWorkload(reg)
			if mix == "soak" {
				w = soakWorkload(reg, 50)
			}
			exportIntervals(t, e, reg, w, rand.New(rand.NewPCG(3, 4)), day.Add(time.Hour), 360, false)
			ctx := xpCtx(t)
			if _, err := pool.Exec(ctx, `INSERT INTO `+e.n.Series+` (id, name, tags, kind) VALUES
				(-1, 'edge.both', '{}', 'histogram'), (-2, 'edge.null', '{}', 'histogram'),
				(-3, 'edge.overflow', '{}', 'timer'), (-4, 'edge.zeros', '{}', 'histogram')`); err != nil {
				t.Fatal(err)
			}
			// -1: total grows by count; -2: a total without a count; -3: total
			// - count overflows; -4: no more zeros.
			if _, err := pool.Exec(ctx, `INSERT INTO `+e.n.Points+` (series_id, ts, total, count, sum, bucket_idx, bucket_cnt) VALUES
				(-1, $1::timestamptz, 5, 5, 50, '{1,2}', '{2,3}'),
				(-1, $1::timestamptz + interval '10 seconds', 9, 4, 40, '{1}', '{3}'),
				(-1, $1::timestamptz + interval '20 seconds', 10, 1, 10, '{2}', '{1}'),
				(-2, $1::timestamptz, 5, 5, 50, '{1}', '{5}'),
				(-2, $1::timestamptz + interval '10 seconds', 8, NULL, NULL, NULL, NULL),
				(-2, $1::timestamptz + interval '20 seconds', 10, 2, 20, '{1,2}', '{1,1}'),
				(-2, $1::timestamptz + interval '30 seconds', NULL, 0, 0, '{}', '{}'),
				(-3, $1::timestamptz, 9223372036854775807, -1, 0, '{7}', '{-1}'),
				(-3, $1::timestamptz + interval '10 seconds', 9223372036854775807, 0, 0, '{}', '{}'),
				(-3, $1::timestamptz + interval '20 seconds', 9223372036854775807, 0, 0, '{}', '{}'),
				(-4, $1::timestamptz, 3, 2, 0, '{1}', '{2}'),
				(-4, $1::timestamptz + interval '10 seconds', 3, 0, 0, '{}', '{}'),
				(-4, $1::timestamptz + interval '20 seconds', 5, 1, 0, '{1}', '{1}')`, day.Add(2*time.Hour)); err != nil {
				t.Fatal(err)
			}
			before := allRows(t, pool, e)
			if _, err := e.Compact(ctx, day); err != nil {
				t.Fatal(err)
			}
			sameRows(t, "after compaction", allRows(t, pool, e), before)
			if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.Points); n != 0 {
				t.Errorf("%d rows left in vitals_points", n)
			}
			// The mixes' histograms and timers that recorded values.
			dists := "(SELECT p.series_id FROM " + e.n.PointsAll + " AS p JOIN " + e.n.Series + " AS s ON s.id = p.series_id" +
				" WHERE s.id > 0 AND s.kind IN ('histogram', 'timer') GROUP BY 1 HAVING max(p.count) > 0)"
			all := countRows(t, pool, "SELECT count(*) FROM "+e.n.Blocks+" WHERE series_id IN "+dists)
			if all == 0 {
				t.Fatal("no block of a histogram or a timer")
			}
			if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.Blocks+" WHERE series_id IN "+dists+
				" AND total_delta_less_count AND total IS NULL"+
				" AND cardinality(array_remove(total_delta, 0)) <= 1"); n != all {
				t.Errorf("%d of the %d blocks of histograms and timers hold total_delta less count", n, all)
			}
			others := "(SELECT id FROM " + e.n.Series + " WHERE kind NOT IN ('histogram', 'timer'))"
			if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.Blocks+" WHERE series_id IN "+others+
				" AND total_delta_less_count"); n != 0 {
				t.Errorf("%d blocks of other kinds hold total_delta less count", n)
			}
			for _, check := range []string{
				"series_id = -1 AND total_delta_less_count AND total_delta = '{0,0,0}' AND count = '{5,4,1}'",
				"series_id = -2 AND NOT total_delta_less_count AND total_delta = '{5,3,2,NULL}'",
				"series_id = -3 AND NOT total_delta_less_count AND total_delta = '{9223372036854775807,0,0}'",
				"series_id = -4 AND NOT total_delta_less_count AND total_delta = '{3,0,2}'",
			} {
				if countRows(t, pool, "SELECT count(*) FROM "+e.n.Blocks+" WHERE "+check) != 1 {
					t.Errorf("no block with %s", check)
				}
			}
		})
	}
}

// TestDeltaLessCount: total_delta less count only where it leaves more
// zeros, and never across a NULL count or an overflow.
func TestDeltaLessCount(t *testing.T) {
	point := func(count int64, null bool) blockPoint {
		var p blockPoint
		p.ints[colCount], p.intNull[colCount] = count, null
		return p
	}
	i8 := func(v int64) pgtype.Int8 { return pgtype.Int8{Int64: v, Valid: true} }
	for _, c := range []struct {
		name  string
		pts   []blockPoint
		delta []pgtype.Int8
		want  []pgtype.Int8
	}{
		{"grows by count", []blockPoint{point(3, false), point(2, false), point(4, false)},
			[]pgtype.Int8{i8(10), i8(2), i8(4)}, []pgtype.Int8{i8(7), i8(0), i8(0)}},
		{"NULL total", []blockPoint{point(3, false), point(2, false), point(4, false)},
			[]pgtype.Int8{i8(3), {}, i8(6)}, []pgtype.Int8{i8(0), {}, i8(2)}},
		{"no more zeros", []blockPoint{point(3, false), point(5, false)},
			[]pgtype.Int8{i8(3), i8(0)}, nil},
		{"NULL count", []blockPoint{point(3, false), point(0, true), point(2, false)},
			[]pgtype.Int8{i8(3), i8(5), i8(2)}, nil},
		{"overflow", []blockPoint{point(-1, false), point(0, false), point(0, false)},
			[]pgtype.Int8{i8(math.MaxInt64), i8(0), i8(0)}, nil},
		{"no delta", []blockPoint{point(-1, false)}, nil, nil},
	} {
		got := deltaLessCount(c.pts, c.delta)
		if len(got) != len(c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
				break
			}
		}
	}
}
