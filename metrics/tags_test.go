package metrics_test

import (
	"slices"
	"testing"

	"github.com/vitals-go/vitals/metrics"
)

func tagList(kv ...string) []metrics.Tag {
	var out []metrics.Tag
	for i := 0; i < len(kv); i += 2 {
		out = append(out, metrics.Tag{Key: kv[i], Value: kv[i+1]})
	}
	return out
}

func TestAppendMergedTags(t *testing.T) {
	tests := []struct {
		name                string
		own, defaults, want []metrics.Tag
	}{
		{"neither", nil, nil, nil},
		{"defaults only", nil, tagList("host", "a", "service", "s"), tagList("host", "a", "service", "s")},
		{"own only", tagList("stage", "plan"), nil, tagList("stage", "plan")},
		{"interleaved", tagList("queue", "q", "zone", "z"), tagList("host", "a", "version", "v1"),
			tagList("host", "a", "queue", "q", "version", "v1", "zone", "z")},
		{"own wins", tagList("host", "b", "stage", "plan"), tagList("host", "a", "service", "s"),
			tagList("host", "b", "service", "s", "stage", "plan")},
		{"own wins every key", tagList("a", "x", "b", "y"), tagList("a", "1", "b", "2"), tagList("a", "x", "b", "y")},
		{"own after defaults", tagList("x", "1"), tagList("a", "1", "b", "2"), tagList("a", "1", "b", "2", "x", "1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ownBefore, defaultsBefore := slices.Clone(tt.own), slices.Clone(tt.defaults)
			if got := metrics.AppendMergedTags(nil, tt.own, tt.defaults); !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			prefix := tagList("p", "0")
			got := metrics.AppendMergedTags(prefix, tt.own, tt.defaults)
			if !slices.Equal(got[:1], prefix) || !slices.Equal(got[1:], tt.want) {
				t.Fatalf("appended to a prefix: got %v", got)
			}
			if !slices.Equal(tt.own, ownBefore) || !slices.Equal(tt.defaults, defaultsBefore) {
				t.Fatal("the inputs changed")
			}
		})
	}
}

// TestSnapshotAppendTags: the tags a registry's series is exported with,
// its own over the registry's default tags, without allocating into a slice
// large enough.
func TestSnapshotAppendTags(t *testing.T) {
	r := metrics.NewRegistry()
	if err := r.SetDefaultTags(metrics.Tags{metrics.TagHost: "web01", metrics.TagService: "alerts", metrics.TagVersion: "v42"}); err != nil {
		t.Fatal(err)
	}
	r.Counter("jobs", metrics.Tags{"queue": "base", metrics.TagVersion: "canary"}).Inc(1)
	snap := r.Peek()
	got := snap.AppendTags(nil, &snap.Series[0])
	want := tagList("host", "web01", "queue", "base", "service", "alerts", "version", "canary")
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if allocs := testing.AllocsPerRun(100, func() { got = snap.AppendTags(got[:0], &snap.Series[0]) }); allocs != 0 {
		t.Fatalf("AppendTags into a large enough slice: %v allocations", allocs)
	}
}
