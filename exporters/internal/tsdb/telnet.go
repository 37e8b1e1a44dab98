package tsdb

import "strconv"

// MaxLineLen is the longest telnet line, without its '\n', that Flatten lets
// through. OpenTSDB's line decoder (LineBasedFrameDecoder(1024)) fails once
// more than 1024 bytes wait without a newline and discards them up to the
// next one; staying below 1024 keeps clear of that edge.
const MaxLineLen = 1023

// AppendTelnet appends p as one telnet put line,
//
//	put <metric> <unix seconds> <value> <key>=<value> ...\n
//
// Metric, tag keys and tag values pass through Sanitize as they are written,
// so whatever p holds, the result is exactly one line of 4+len(p.Tags)
// space-separated fields with one '=' in each tag: no input can start a
// second line or add a tag. It does not check the other rules (a tag, finite
// value, MaxLineLen); Flatten's points satisfy them all.
func AppendTelnet(dst []byte, p Point) []byte {
	dst = append(dst, "put "...)
	dst = appendSanitized(dst, p.Metric)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, p.Time.Unix(), 10)
	dst = append(dst, ' ')
	dst = appendValue(dst, p.Value)
	for _, t := range p.Tags {
		dst = append(dst, ' ')
		dst = appendSanitized(dst, t.Key)
		dst = append(dst, '=')
		dst = appendSanitized(dst, t.Value)
	}
	return append(dst, '\n')
}
