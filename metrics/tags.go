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

// The keys of the default tags that vitals.Start sets on a registry (see
// Registry.SetDefaultTags): exporters and the readers of stored series find
// a series' origin under them.
const (
	TagHost    = "host"    // the machine or container the service runs on
	TagService = "service" // the service's name
	TagVersion = "version" // the service's release
)

// AppendMergedTags appends to dst the tags of a series as it is exported:
// its own tags merged over the default tags, a tag of own winning over a
// default of the same key, in the order of their keys. own and defaults
// must each be sorted by key, as in a Snapshot; a key that one of them
// holds twice may be twice in the result. It returns the extended slice,
// and allocates only when dst must grow.
func AppendMergedTags(dst, own, defaults []Tag) []Tag {
	dst = slices.Grow(dst, len(own)+len(defaults))
	for len(own) > 0 && len(defaults) > 0 {
		switch c := strings.Compare(own[0].Key, defaults[0].Key); {
		case c < 0:
			dst = append(dst, own[0])
			own = own[1:]
		case c > 0:
			dst = append(dst, defaults[0])
			defaults = defaults[1:]
		default: // the same key: the series' own tag wins
			dst = append(dst, own[0])
			own, defaults = own[1:], defaults[1:]
		}
	}
	dst = append(dst, own...)
	return append(dst, defaults...)
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
