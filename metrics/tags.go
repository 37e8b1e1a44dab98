package metrics

import (
	"math/bits"
	"slices"
	"strings"
)

// Tags are the labels that, with a name, identify a series: {"stage": "plan"}.
// A nil or empty Tags is a valid, untagged series. The registry copies tags at
// registration, so the caller may reuse the map.
type Tags map[string]string

// Tag is one key=value pair of a series, as stored and exported: series keep
// their tags as a slice sorted by key.
type Tag struct {
	Key   string
	Value string
}

// sortedTags copies tags into a slice sorted by key.
func sortedTags(tags Tags) []Tag {
	if len(tags) == 0 {
		return nil
	}
	out := make([]Tag, 0, len(tags))
	for k, v := range tags {
		out = append(out, Tag{Key: k, Value: v})
	}
	slices.SortFunc(out, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// maxInlineTags is how many tag values a lookup holds on the stack; series
// with more tags are still found, reading the caller's map again instead.
const maxInlineTags = 8

// hashString is a small, fast, seeded string hash in the style of wyhash:
// 64-bit loads folded by a full 64x64->128-bit multiply. It only places
// series in the lookup table; equality is always decided on the strings.
func hashString(seed uint64, s string) uint64 {
	n := len(s)
	h := seed ^ uint64(n)*0x9E3779B97F4A7C15
	var w uint64
	switch {
	case n > 8:
		for i := 0; i+8 < n; i += 8 {
			h = mix(h ^ load64(s[i:]))
		}
		w = load64(s[n-8:]) // the last 8 bytes, overlapping the loop's
	case n >= 4:
		w = load32(s) | load32(s[n-4:])<<32
	case n > 0:
		w = uint64(s[0])<<16 | uint64(s[n>>1])<<8 | uint64(s[n-1])
	}
	return mix(h ^ w)
}

// mix folds the 128-bit product of h and a constant into 64 bits.
func mix(h uint64) uint64 {
	hi, lo := bits.Mul64(h^0xA0761D6478BD642F, 0xE7037ED1A0B428DB)
	return hi ^ lo
}

func load64(s string) uint64 {
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func load32(s string) uint64 {
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24
}
