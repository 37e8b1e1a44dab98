package postgres

import (
	"math"
	"strconv"
	"strings"

	"github.com/vitals-go/vitals/metrics"
)

// pointsSQL receives the bucket arrays, whose lengths differ from row to
// row, as the text of array literals ("{3,17,40}") cast per row; they are
// built only when that statement is used.

// literals fills b.buckets with the text of each row's bucket arrays,
// from b.bkts (see columns).
func (b *batch) literals() {
	if b.litsOK {
		return
	}
	b.lits = b.lits[:0]
	for _, bkts := range b.bkts {
		if bkts != nil {
			b.lits = appendBucketIndexes(b.lits, bkts)
			b.lits = appendBucketCounts(b.lits, bkts)
		}
	}
	// The literals were appended to one buffer; cut it into strings now
	// that it is complete, in the order they were appended.
	lits := string(b.lits)
	b.buckets[0], b.buckets[1] = b.buckets[0][:0], b.buckets[1][:0]
	for _, bkts := range b.bkts {
		var idx, cnt nullText
		if bkts != nil {
			n := strings.IndexByte(lits, '}') + 1
			idx, lits = nullText{lits[:n], true}, lits[n:]
			n = strings.IndexByte(lits, '}') + 1
			cnt, lits = nullText{lits[:n], true}, lits[n:]
		}
		b.buckets[0] = append(b.buckets[0], idx)
		b.buckets[1] = append(b.buckets[1], cnt)
	}
	b.litsOK = true
}

// appendBucketIndexes appends the bucket_idx literal of buckets.
func appendBucketIndexes(dst []byte, buckets []metrics.Bucket) []byte {
	dst = append(dst, '{')
	for i, bk := range buckets {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendInt(dst, int64(bk.Index), 10)
	}
	return append(dst, '}')
}

// appendBucketCounts appends the bucket_cnt literal of buckets.
func appendBucketCounts(dst []byte, buckets []metrics.Bucket) []byte {
	dst = append(dst, '{')
	for i, bk := range buckets {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendUint(dst, min(bk.Count, math.MaxInt64), 10)
	}
	return append(dst, '}')
}
