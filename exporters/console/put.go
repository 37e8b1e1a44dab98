package console

import (
	"github.com/vitals-go/vitals/exporters/internal/tsdb"
	"github.com/vitals-go/vitals/metrics"
)

// putEncoder writes FormatPut: OpenTSDB telnet put lines, one per field of
// every series, the application's series before the SDK's.
type putEncoder struct {
	opts    tsdb.Options
	points  []tsdb.Point     // reused by each encode
	ordered []metrics.Series // the snapshot's series reordered, reused
}

// encode appends the lines of snap to dst and returns them with the number
// of points left out as invalid.
func (p *putEncoder) encode(dst []byte, snap metrics.Snapshot) ([]byte, int) {
	ordered, copied := appFirst(p.ordered, snap.Series)
	snap.Series = ordered
	points, invalid := tsdb.Flatten(p.points[:0], snap, p.opts)
	for _, pt := range points {
		dst = tsdb.AppendTelnet(dst, pt)
	}
	// Let the snapshot's strings and buckets go.
	clear(points)
	p.points = points[:0]
	if copied {
		clear(ordered)
		p.ordered = ordered[:0]
	}
	return dst, invalid
}

// count is how many points encode makes of snap, valid or not.
func (p *putEncoder) count(snap metrics.Snapshot) int { return tsdb.Count(snap, p.opts) }
