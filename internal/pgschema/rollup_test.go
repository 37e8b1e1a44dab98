package pgschema

import "testing"

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
