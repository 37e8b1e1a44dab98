package vitals

import (
	"maps"
	"slices"
)

// EnvVariables lists every environment variable Start reads, for tests
// that must clear them all.
func EnvVariables() []string { return slices.Sorted(maps.Values(envVariables)) }
