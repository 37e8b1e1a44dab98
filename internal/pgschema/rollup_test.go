package pgschema

import (
	"errors"
	"slices"
	"testing"
)

// TestRollupColumns: every column has an expression for a point and one
// for a merge, and RollupMerge finds them.
func TestRollupColumns(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range RollupColumns {
		if c.Name == "" || c.Type == "" || c.FromPoint == "" || c.Merge == "" || seen[c.Name] {
			t.Errorf("column %+v", c)
		}
		seen[c.Name] = true
		if RollupMerge(c.Name) != c.Merge {
			t.Errorf("RollupMerge(%q) = %q", c.Name, RollupMerge(c.Name))
		}
	}
	if RollupMerge("nope") != "" {
		t.Errorf("RollupMerge of an unknown column is not empty")
	}
}

func TestForEachPackedBucket(t *testing.T) {
	packed := []byte{0, 35, 0, 0, 0, 7, 0x08, 0xbf, 0x7f, 0xff, 0xff, 0xff}
	var idx []int32
	var cnt []int64
	if err := ForEachPackedBucket(packed, func(i int32, c int64) { idx, cnt = append(idx, i), append(cnt, c) }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(idx, []int32{35, 2239}) || !slices.Equal(cnt, []int64{7, 1<<31 - 1}) {
		t.Errorf("buckets %v %v", idx, cnt)
	}
	if err := ForEachPackedBucket(packed[:7], func(int32, int64) {}); !errors.Is(err, ErrPackedBuckets) {
		t.Errorf("7 bytes: %v", err)
	}
}
