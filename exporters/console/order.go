package console

import (
	"slices"
	"strings"

	"github.com/vitals-go/vitals/metrics"
)

// sdkRoots are the first name components of the series the SDK itself
// registers, in the order the text format shows them: the exporters' and
// registry's health, the Go runtime's, the process'.
var sdkRoots = [...]string{"vitals", "go", "process"}

// sdkRank is 1 + the index of name's root in sdkRoots, or 0 for an application
// series.
func sdkRank(name string) int {
	for i, root := range sdkRoots {
		if underPrefix(name, root) {
			return i + 1
		}
	}
	return 0
}

// underPrefix reports whether name is prefix + "." + something.
func underPrefix(name, prefix string) bool {
	return len(name) > len(prefix)+1 && name[len(prefix)] == '.' && strings.HasPrefix(name, prefix)
}

// appFirst returns the series with the application's first and the SDK's
// after them, each in the given order: series itself when it is in that
// order already (copied is false), else a copy appended to buf[:0].
func appFirst(buf, series []metrics.Series) (ordered []metrics.Series, copied bool) {
	sdk := slices.IndexFunc(series, func(s metrics.Series) bool { return sdkRank(s.Name) > 0 })
	if sdk < 0 || !slices.ContainsFunc(series[sdk:], func(s metrics.Series) bool { return sdkRank(s.Name) == 0 }) {
		return series, false
	}
	ordered = buf[:0]
	for _, wantSDK := range [...]bool{false, true} {
		for i := range series {
			if (sdkRank(series[i].Name) > 0) == wantSDK {
				ordered = append(ordered, series[i])
			}
		}
	}
	return ordered, true
}

// compareTags orders tag lists, each sorted by key, pair by pair.
func compareTags(a, b []metrics.Tag) int {
	for i := range min(len(a), len(b)) {
		if c := strings.Compare(a[i].Key, b[i].Key); c != 0 {
			return c
		}
		if c := strings.Compare(a[i].Value, b[i].Value); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}
