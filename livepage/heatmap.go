package livepage

import (
	"net/http"
	"strconv"
)

// serveHeatmap serves api/heatmap?id=ID: the bands of a histogram or
// timer over the history, per column of columnSpan snapshots, as
// {"id":ID,"times":[ms...],"starts":[ms...],"bounds":[lower bound of each band],"counts":[[count per band] or null per column]}:
// a column covers the intervals from its start to its time (its newest
// snapshot's), the newest column perhaps fewer snapshots so far. The first
// band also counts smaller values, the last larger ones; counts are within
// a factor of √2 (see bandCounts).
func (p *Page) serveHeatmap(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !q.Has("id") {
		writeError(w, http.StatusBadRequest, "livepage: api/heatmap needs id=, the id of a histogram or timer in api/state")
		return
	}
	id := q.Get("id")
	hm, ok := p.hist.heatmap(id)
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, "livepage: no series "+strconv.Quote(id)+" in the history")
		return
	case hm == nil:
		writeError(w, http.StatusBadRequest, "livepage: series "+strconv.Quote(id)+" is not a histogram or timer: it has no heatmap")
		return
	}
	b := append([]byte(`{"id":`), appendString(nil, id)...)
	b = appendTimes(append(b, `,"times":[`...), hm.times)
	b = appendTimes(append(b, `],"starts":[`...), hm.starts)
	b = append(b, `],"bounds":[`...)
	for i, v := range hm.bounds {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendNumber(b, v)
	}
	b = append(b, `],"counts":[`...)
	for i, row := range hm.counts {
		if i > 0 {
			b = append(b, ',')
		}
		if row == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, c := range row {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendNumber(b, c)
		}
		b = append(b, ']')
	}
	b = append(b, "]}\n"...)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

// appendTimes appends the times to b, separated by commas.
func appendTimes(b []byte, times []int64) []byte {
	for i, t := range times {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, t, 10)
	}
	return b
}
