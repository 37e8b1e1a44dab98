package postgres

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/vitals-go/vitals/metrics"
)

// TestKeyCache changes a snapshot between flushes in every way the cache
// must notice (series added, removed, moved, renamed, a tag changed in
// place, the default tags changed, a kind made unknown) and checks after
// each that the keys are those computed without the cache.
func TestKeyCache(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	w := newWriter()
	snap := benchSnapshot(40)
	for step := range 300 {
		w.prepare(snap)
		want := uncachedKeys(w, snap)
		if !slices.Equal(w.keys, want) {
			t.Fatalf("step %d: keys\n%v\nwant\n%v", step, w.keys, want)
		}
		unknown := 0
		for _, s := range snap.Series {
			if s.Kind.String() == "unknown" {
				unknown++
			}
		}
		if w.b.rejected != unknown {
			t.Fatalf("step %d: %d rejected, want the %d of unknown kind", step, w.b.rejected, unknown)
		}
		series := snap.Series
		i, j := rng.IntN(len(series)), rng.IntN(len(series))
		switch rng.IntN(10) {
		case 0:
			series = append(series, metrics.Series{Name: "new." + strconv.Itoa(step), Kind: metrics.KindCounter})
		case 1:
			series = slices.Delete(series, i, i+1)
		case 2:
			series[i], series[j] = series[j], series[i]
		case 3:
			series[i].Name += "x"
		case 4:
			if len(series[i].Tags) > 0 {
				series[i].Tags[0].Value += "y" // in place: the cache's copy must differ
			}
		case 5:
			snap.DefaultTags = []metrics.Tag{{Key: "host", Value: "h" + strconv.Itoa(step%3)}}
		case 6:
			series[i].Kind = metrics.Kind(99)
		case 7:
			series[i].Kind = metrics.KindGauge
		case 8:
			series[i].Tags = append(slices.Clone(series[i].Tags), metrics.Tag{Key: "zz", Value: "1"})
		case 9: // nothing changes: the previous keys are kept
		}
		if len(series) == 0 {
			series = benchSnapshot(3).Series
		}
		snap.Series = series
	}
}

// uncachedKeys returns the keys of snap's series as keySeries computes
// them without a cache.
func uncachedKeys(w *writer, snap metrics.Snapshot) []seriesKey {
	var keys []seriesKey
	for i := range snap.Series {
		s := &snap.Series[i]
		if s.Kind.String() == "unknown" {
			continue
		}
		tags := metrics.AppendMergedTags(nil, s.Tags, w.defaults)
		keys = append(keys, seriesKey{id: SeriesID(s.Name, tags), check: w.check(s.Name, tags), index: i})
	}
	sortKeys(keys)
	return keys
}
